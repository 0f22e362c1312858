// SPDX-License-Identifier: GPL-3.0-or-later

package files

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/site"
)

// Export reads the include file on the box and returns the shares and
// homes part of a site template. Paths equal to the default for the name
// are left out, as a consultant would write them. A box without the file
// has no shares.
func Export(env *host.Env) ([]site.Share, site.Homes, error) {
	data, err := os.ReadFile(env.Path(ConfPath))
	if errors.Is(err, os.ErrNotExist) {
		return nil, site.Homes{}, nil
	}
	if err != nil {
		return nil, site.Homes{}, err
	}
	c, err := Parse(data)
	if err != nil {
		return nil, site.Homes{}, fmt.Errorf("%s: %w", ConfPath, err)
	}
	shares, homes := ToSite(c)
	return shares, homes, nil
}

// ToSite turns a Config into template shares and homes.
func ToSite(c Config) ([]site.Share, site.Homes) {
	var out []site.Share
	for _, sh := range c.Shares {
		s := site.Share{Name: sh.Name, Path: sh.Path, Description: sh.Comment, Write: templateGroups(sh.Write), Read: templateGroups(sh.ReadOnly()), RecycleBin: sh.RecycleBin}
		if sh.Path == site.DefaultSharesDir+"/"+strings.ToLower(sh.Name) {
			s.Path = ""
		}
		if sh.RecycleBin && sh.RecycleDays != site.DefaultRecycleDays {
			s.RecycleDays = sh.RecycleDays
		}
		out = append(out, s)
	}
	return out, site.Homes{Enabled: c.Homes}
}
