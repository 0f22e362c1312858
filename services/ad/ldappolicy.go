// SPDX-License-Identifier: GPL-3.0-or-later

package ad

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/go-ldap/ldap/v3"
)

// ticksPerDay is maxPwdAge's unit (100 ns) per day.
const ticksPerDay = 24 * 60 * 60 * 10_000_000

// Policy implements Directory.
func (l *LDAP) Policy(ctx context.Context) (Policy, error) {
	req := ldap.NewSearchRequest(l.base, ldap.ScopeBaseObject, ldap.NeverDerefAliases, 1, 0, false,
		"(objectClass=*)", []string{"minPwdLength", "pwdProperties", "maxPwdAge"}, nil)
	res, err := l.conn.Search(req)
	if err != nil {
		return Policy{}, fmt.Errorf("reading the password policy: %v", ldapMessage(err))
	}
	if len(res.Entries) != 1 {
		return Policy{}, errors.New("reading the password policy: the domain object is missing")
	}
	return parsePolicy(res.Entries[0].GetAttributeValue("minPwdLength"),
		res.Entries[0].GetAttributeValue("pwdProperties"), res.Entries[0].GetAttributeValue("maxPwdAge"))
}

// parsePolicy reads the domain object's policy attributes.
func parsePolicy(minLen, props, maxAge string) (Policy, error) {
	var p Policy
	var err error
	if p.MinLength, err = strconv.Atoi(minLen); err != nil {
		return p, fmt.Errorf("reading the password policy: bad minPwdLength %s", quote(minLen))
	}
	pp, err := strconv.Atoi(props)
	if err != nil {
		return p, fmt.Errorf("reading the password policy: bad pwdProperties %s", quote(props))
	}
	p.Complexity = pp&1 != 0
	age, err := strconv.ParseInt(maxAge, 10, 64)
	if err != nil {
		return p, fmt.Errorf("reading the password policy: bad maxPwdAge %s", quote(maxAge))
	}
	if age != 0 && age != math.MinInt64 {
		if age < 0 {
			age = -age
		}
		p.MaxAgeDays = int(age / ticksPerDay)
	}
	return p, nil
}

// maxPwdAgeValue encodes days as maxPwdAge; 0 means never expire.
func maxPwdAgeValue(days int) string {
	if days <= 0 {
		return strconv.FormatInt(math.MinInt64, 10)
	}
	return strconv.FormatInt(-int64(days)*ticksPerDay, 10)
}

// SetPolicy implements Directory.
func (l *LDAP) SetPolicy(ctx context.Context, p Policy) error {
	req := ldap.NewSearchRequest(l.base, ldap.ScopeBaseObject, ldap.NeverDerefAliases, 1, 0, false,
		"(objectClass=*)", []string{"pwdProperties"}, nil)
	res, err := l.conn.Search(req)
	if err != nil || len(res.Entries) != 1 {
		return fmt.Errorf("reading the password policy: %v", err)
	}
	props, _ := strconv.Atoi(res.Entries[0].GetAttributeValue("pwdProperties"))
	if p.Complexity {
		props |= 1
	} else {
		props &^= 1
	}
	mod := ldap.NewModifyRequest(l.base, nil)
	mod.Replace("minPwdLength", []string{strconv.Itoa(p.MinLength)})
	mod.Replace("pwdProperties", []string{strconv.Itoa(props)})
	mod.Replace("maxPwdAge", []string{maxPwdAgeValue(p.MaxAgeDays)})
	if err := l.conn.Modify(mod); err != nil {
		return fmt.Errorf("setting the password policy: %v", ldapMessage(err))
	}
	return nil
}
