// SPDX-License-Identifier: GPL-3.0-or-later

package app

import (
	"context"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/posse-project/posse/daemon/api"
)

// GroupsScreen lists the groups; for the selected one it shows the
// members, lets the person add and remove them, and delete the group.
type GroupsScreen struct {
	win     fyne.Window
	br      *Bridge
	groups  []api.Group
	sel     int
	list    *widget.List
	members *widget.List
	title   *widget.Label
	desc    *widget.Label
	add     *widget.SelectEntry
	users   []string
	content fyne.CanvasObject
}

// NewGroupsScreen builds the screen.
func NewGroupsScreen(w fyne.Window, br *Bridge) *GroupsScreen {
	s := &GroupsScreen{win: w, br: br, sel: -1, title: heading(""), desc: wrapped("")}
	s.list = widget.NewList(func() int { return len(s.groups) },
		func() fyne.CanvasObject {
			return container.NewBorder(nil, nil, nil, widget.NewLabel("000"), bold("buchhaltung"))
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			c := o.(*fyne.Container)
			c.Objects[0].(*widget.Label).SetText(s.groups[i].Name)
			c.Objects[1].(*widget.Label).SetText(tr("%d members", len(s.groups[i].Members)))
		})
	s.list.OnSelected = func(i widget.ListItemID) { s.sel = i; s.showGroup() }
	s.members = widget.NewList(func() int { return len(s.current().Members) },
		func() fyne.CanvasObject {
			return container.NewBorder(nil, nil, nil, widget.NewButtonWithIcon(tr("Remove"), theme.ContentRemoveIcon(), nil), widget.NewLabel("username"))
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			c := o.(*fyne.Container)
			m := s.current().Members[i]
			c.Objects[0].(*widget.Label).SetText(m)
			c.Objects[1].(*widget.Button).OnTapped = func() { s.setMember(m, false) }
		})
	s.add = widget.NewSelectEntry(nil)
	s.add.SetPlaceHolder(tr("username"))
	// Offer at most 20 matching users: a menu of thousands is unusable.
	s.add.OnChanged = func(q string) { s.add.SetOptions(matching(s.users, q, 20)) }
	return s
}

func (s *GroupsScreen) current() api.Group {
	if s.sel >= 0 && s.sel < len(s.groups) {
		return s.groups[s.sel]
	}
	return api.Group{}
}

// Content returns the screen's widget tree.
func (s *GroupsScreen) Content() fyne.CanvasObject {
	if s.content != nil {
		return s.content
	}
	newGroup := widget.NewButtonWithIcon(tr("New group…"), theme.ContentAddIcon(), s.newGroup)
	del := widget.NewButtonWithIcon(tr("Delete group…"), theme.DeleteIcon(), s.deleteGroup)
	del.Importance = widget.DangerImportance
	addBtn := widget.NewButtonWithIcon(tr("Add member"), theme.ContentAddIcon(), func() {
		if u := strings.TrimSpace(s.add.Text); u != "" {
			s.setMember(u, true)
		}
	})
	right := container.NewBorder(container.NewVBox(s.title, s.desc, container.NewBorder(nil, nil, nil, addBtn, s.add)),
		container.NewHBox(del), nil, nil, s.members)
	split := container.NewHSplit(s.list, container.NewPadded(right))
	split.Offset = 0.35
	top := container.NewBorder(nil, nil, nil, newGroup, heading(tr("Groups")))
	s.content = container.NewBorder(top, nil, nil, nil, split)
	return s.content
}

// Reload fetches the groups and the usernames.
func (s *GroupsScreen) Reload() {
	type data struct {
		groups []api.Group
		users  []string
	}
	call(s.br, func(ctx context.Context, be Backend) (data, error) {
		var r data
		var err error
		if r.groups, err = be.Groups(ctx); err != nil {
			return r, err
		}
		us, _ := be.Users(ctx, "")
		us = people(us)
		r.users = make([]string, 0, len(us))
		for _, u := range us {
			r.users = append(r.users, u.Username)
		}
		return r, nil
	}, func(r data, err error) {
		if err != nil {
			showError(s.win, tr("Cannot list the groups"), err)
			return
		}
		name := s.current().Name
		s.groups, s.users = r.groups, r.users
		s.add.SetOptions(matching(s.users, s.add.Text, 20))
		s.sel = -1
		s.list.UnselectAll()
		for i, g := range s.groups {
			if g.Name == name {
				s.list.Select(i)
			}
		}
		if s.sel < 0 && len(s.groups) > 0 {
			s.list.Select(0)
		}
		s.list.Refresh()
		s.showGroup()
	})
}

func (s *GroupsScreen) showGroup() {
	g := s.current()
	s.title.SetText(g.Name)
	s.desc.SetText(g.Description)
	s.members.Refresh()
}

func (s *GroupsScreen) setMember(user string, add bool) {
	g := s.current().Name
	s.br.do(func(ctx context.Context, be Backend) error {
		if add {
			return be.SetMembers(ctx, g, []string{user}, nil)
		}
		return be.SetMembers(ctx, g, nil, []string{user})
	}, func(err error) {
		if err != nil {
			showError(s.win, tr("Cannot change the members of %s", g), err)
			return
		}
		s.add.SetText("")
		s.Reload()
	})
}

func (s *GroupsScreen) newGroup() {
	name, desc := newEntry(), newEntry()
	name.Validator = validator(CheckUsername)
	d := dialog.NewForm(tr("New group"), tr("Create"), tr("Cancel"), []*widget.FormItem{
		widget.NewFormItem(tr("Name"), name), widget.NewFormItem(tr("Description (optional)"), desc),
	}, func(ok bool) {
		if !ok {
			return
		}
		g := api.Group{Name: name.Text, Description: desc.Text}
		s.br.do(func(ctx context.Context, be Backend) error { return be.CreateGroup(ctx, g) }, func(err error) {
			if err != nil {
				showError(s.win, tr("Cannot create the group"), err)
			}
			s.Reload()
		})
	}, s.win)
	showDialog(s.win, d)
}

func (s *GroupsScreen) deleteGroup() {
	g := s.current()
	if g.Name == "" {
		return
	}
	confirm(s.win, tr("Delete the group %s?", g.Name), tr("Its %d members stay, but lose what the group gave them, such as access to shares.", len(g.Members)), tr("Delete"), func() {
		s.br.do(func(ctx context.Context, be Backend) error { return be.DeleteGroup(ctx, g.Name) }, func(err error) {
			if err != nil {
				showError(s.win, tr("Cannot delete the group"), err)
			}
			s.Reload()
		})
	})
}

// matching returns up to n names containing q (case-insensitively).
func matching(names []string, q string, n int) []string {
	q = strings.ToLower(strings.TrimSpace(q))
	var r []string
	for _, u := range names {
		if len(r) == n {
			break
		}
		if strings.Contains(strings.ToLower(u), q) {
			r = append(r, u)
		}
	}
	return r
}
