// SPDX-License-Identifier: GPL-3.0-or-later

package site

import (
	"fmt"
	"strings"
)

// aliasIndex maps each site alias address (lower case) to its index.
func (s *Site) aliasIndex() map[string]int {
	if s.Mail == nil {
		return nil
	}
	m := make(map[string]int, len(s.Mail.Aliases))
	for i, a := range s.Mail.Aliases {
		if _, dup := m[strings.ToLower(a.Address)]; !dup {
			m[strings.ToLower(a.Address)] = i
		}
	}
	return m
}

// aliasGraph reports alias loops and alias bombs (more than MaxAliasFanOut
// expanded targets, counted as a naive expander would, with repeats).
func (v *validator) aliasGraph() {
	aliases := v.s.Mail.Aliases
	idx := v.s.aliasIndex()
	groupMail := v.s.groupByMail()
	next := func(i int) []int {
		var out []int
		for _, t := range aliases[i].To {
			if j, ok := idx[strings.ToLower(t)]; ok {
				out = append(out, j)
			}
		}
		return out
	}
	// Loops: depth-first search with colours; each cycle is reported once,
	// at the alias where it was entered first.
	const (
		white = iota
		grey
		black
	)
	colour := make([]int, len(aliases))
	onLoop := make([]bool, len(aliases))
	var stack []int
	var visit func(i int)
	visit = func(i int) {
		colour[i] = grey
		stack = append(stack, i)
		for _, j := range next(i) {
			switch colour[j] {
			case white:
				visit(j)
			case grey:
				k := len(stack) - 1
				for stack[k] != j {
					k--
				}
				cycle := stack[k:]
				names := make([]string, 0, len(cycle)+1)
				for _, c := range cycle {
					names = append(names, aliases[c].Address)
					onLoop[c] = true
				}
				names = append(names, aliases[j].Address)
				v.add(joinIndex("mail.aliases", j)+".address", errAliasLoop+strings.Join(names, " → "),
					hintAliasLoop)
			}
		}
		stack = stack[:len(stack)-1]
		colour[i] = black
	}
	for i := range aliases {
		if colour[i] == white {
			visit(i)
		}
	}
	// Fan-out: memoised counts, saturated just above the limit.
	count := make([]int, len(aliases))
	done := make([]bool, len(aliases))
	var fan func(i int, depth int) int
	fan = func(i, depth int) int {
		if done[i] {
			return count[i]
		}
		if onLoop[i] || depth > len(aliases) {
			return 1
		}
		n := 0
		for _, t := range aliases[i].To {
			if j, ok := idx[strings.ToLower(t)]; ok {
				n += fan(j, depth+1)
			} else if g := v.s.targetGroup(t, groupMail); g != "" {
				n += len(v.s.GroupMailTargets(g))
			} else {
				n++
			}
			if n > MaxAliasFanOut {
				n = MaxAliasFanOut + 1
				break
			}
		}
		count[i], done[i] = n, true
		return n
	}
	for i := range aliases {
		if n := fan(i, 0); n > MaxAliasFanOut {
			v.add(joinIndex("mail.aliases", i)+".address",
				fmt.Sprintf(errAliasBomb, aliases[i].Address, MaxAliasFanOut),
				hintAliasBomb)
		}
	}
}

// AliasTargets returns the mailbox addresses mail to addr is delivered to,
// fully expanded through site aliases and user aliases, without duplicates,
// in order of first appearance. A username target becomes that user's
// address; an address that is neither an alias nor a user's is kept (an
// external forward). A group's name or address, or everyone, becomes its
// members' addresses (GroupMailTargets). It returns nil when addr is not a
// site alias. Loops are
// cut, so it always terminates; Validate reports them.
func (s *Site) AliasTargets(addr string) []string {
	idx := s.aliasIndex()
	start, ok := idx[strings.ToLower(addr)]
	if !ok {
		return nil
	}
	userAlias := map[string]string{}
	for _, u := range s.Users {
		for _, a := range u.Aliases {
			userAlias[strings.ToLower(a)] = s.UserEmail(u)
		}
	}
	groupMail := s.groupByMail()
	var out []string
	have := map[string]bool{}
	visited := map[int]bool{}
	var walk func(i int)
	walk = func(i int) {
		if visited[i] {
			return
		}
		visited[i] = true
		for _, t := range s.Mail.Aliases[i].To {
			lt := strings.ToLower(t)
			if j, ok := idx[lt]; ok {
				walk(j)
				continue
			}
			if g := s.targetGroup(t, groupMail); g != "" {
				for _, target := range s.GroupMailTargets(g) {
					if !have[target] {
						have[target] = true
						out = append(out, target)
					}
				}
				continue
			}
			var target string
			switch {
			case !strings.Contains(t, "@"):
				u, ok := s.FindUser(t)
				if !ok {
					continue
				}
				target = s.UserEmail(*u)
			case userAlias[lt] != "":
				target = userAlias[lt]
			default:
				target = lt
			}
			if !have[target] {
				have[target] = true
				out = append(out, target)
			}
		}
	}
	walk(start)
	return out
}

// targetGroup returns the group an alias target names, by name (everyone
// included) or by its address in groupMail (see groupByMail), or "".
func (s *Site) targetGroup(t string, groupMail map[string]string) string {
	if strings.Contains(t, "@") {
		return groupMail[strings.ToLower(t)]
	}
	if s.isGroupTarget(t) {
		return t
	}
	return ""
}
