package oob

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/cells-oob/cells-oob/internal/jsonout"
)

// A config written by a newer cells-oob may hold members this one does not
// know. They are kept: each struct that is read from the config remembers
// the members it did not know (unknown) and writes them back as they were.

// UnmarshalJSON decodes a config file's contents, remembering the members
// that have no field so that MarshalJSON writes them back.
func (c *Config) UnmarshalJSON(data []byte) error {
	type plain Config
	var fresh plain
	// `cells-oob token` reads the config on every call and nearly every file
	// holds only known fields: a strict decode settles that case in one pass,
	// and only a file with unknown members pays for finding them.
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&fresh); err == nil && len(bytes.Trim(data[dec.InputOffset():], jsonout.Space)) == 0 {
		*c = Config(fresh)
		return nil
	}
	fresh = plain{}
	if err := json.Unmarshal(data, &fresh); err != nil {
		return err
	}
	*c = Config(fresh)
	return c.keepUnknown(data)
}

// MarshalJSON encodes c with the unknown members it was decoded with.
func (c Config) MarshalJSON() ([]byte, error) {
	type plain Config
	return marshalKeeping(plain(c), c.extra)
}

// MarshalJSON encodes p with the unknown members it was decoded with.
func (p Profile) MarshalJSON() ([]byte, error) {
	type plain Profile
	return marshalKeeping(plain(p), p.extra)
}

// MarshalJSON encodes e with the unknown members it was decoded with.
func (e Endpoints) MarshalJSON() ([]byte, error) {
	type plain Endpoints
	return marshalKeeping(plain(e), e.extra)
}

// MarshalJSON encodes t with the unknown members it was decoded with.
func (t TLS) MarshalJSON() ([]byte, error) {
	type plain TLS
	return marshalKeeping(plain(t), t.extra)
}

// MarshalJSON encodes t with the unknown members it was decoded with.
func (t Token) MarshalJSON() ([]byte, error) {
	type plain Token
	return marshalKeeping(plain(t), t.extra)
}

// MarshalJSON encodes u with the unknown members it was decoded with.
func (u User) MarshalJSON() ([]byte, error) {
	type plain User
	return marshalKeeping(plain(u), u.extra)
}

// unknown holds the members of a JSON object that have no field, each as
// compact JSON.
type unknown map[string]json.RawMessage

// keepUnknown finds the members of data, already decoded into c, that no
// field took, down to the profiles' nested objects. It matches keys the way
// encoding/json does: case-insensitively, a later member winning over an
// earlier one, null emptying the profiles, and repeated objects for one
// struct field adding up.
func (c *Config) keepUnknown(data []byte) error {
	names := fieldNames(reflect.TypeFor[Config]())
	profiles := make(map[string]json.RawMessage)
	err := eachMember(data, func(key string, value json.RawMessage) error {
		switch field, known := matchField(key, names); {
		case !known:
			return c.extra.set(key, value)
		case field == "profiles":
			if bytes.Equal(value, []byte("null")) {
				clear(profiles)
				return nil
			}
			return eachMember(value, func(name string, p json.RawMessage) error {
				profiles[name] = p
				return nil
			})
		}
		return nil
	})
	if err != nil {
		return err
	}
	for name, p := range c.Profiles {
		if p == nil {
			continue
		}
		if err := p.keepUnknown(profiles[name]); err != nil {
			return err
		}
	}
	return nil
}

// keepUnknown finds the members of data, already decoded into p, that no
// field took, in p and in its nested objects.
func (p *Profile) keepUnknown(data json.RawMessage) error {
	names := fieldNames(reflect.TypeFor[Profile]())
	return eachMember(data, func(key string, value json.RawMessage) error {
		field, known := matchField(key, names)
		switch {
		case !known:
			return p.extra.set(key, value)
		case field == "endpoints":
			return p.Endpoints.extra.collect(value, reflect.TypeFor[Endpoints]())
		case field == "tls":
			return p.TLS.extra.collect(value, reflect.TypeFor[TLS]())
		case field == "token":
			return p.Token.extra.collect(value, reflect.TypeFor[Token]())
		case field == "user":
			return p.User.extra.collect(value, reflect.TypeFor[User]())
		}
		return nil
	})
}

// collect adds the members of the JSON object data that have no field in
// the struct type t.
func (u *unknown) collect(data json.RawMessage, t reflect.Type) error {
	names := fieldNames(t)
	return eachMember(data, func(key string, value json.RawMessage) error {
		if _, known := matchField(key, names); known {
			return nil
		}
		return u.set(key, value)
	})
}

// set keeps value under key, compacted so that it reads back the same after
// a save has indented it.
func (u *unknown) set(key string, value json.RawMessage) error {
	var buf bytes.Buffer
	if err := json.Compact(&buf, value); err != nil {
		return err
	}
	if *u == nil {
		*u = make(unknown)
	}
	(*u)[key] = buf.Bytes()
	return nil
}

// eachMember calls fn with each member of the JSON object data, in order.
// For null, or nothing, it calls nothing.
func eachMember(data []byte, fn func(key string, value json.RawMessage) error) error {
	if len(data) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil || tok == nil {
		return err
	}
	if tok != json.Delim('{') {
		return fmt.Errorf("want an object, got %v", tok)
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key, ok := tok.(string)
		if !ok {
			return errors.New("object key is not a string")
		}
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return err
		}
		if err := fn(key, value); err != nil {
			return err
		}
	}
	return nil
}

// fieldNames lists the JSON names of the struct type t's fields.
func fieldNames(t reflect.Type) []string {
	var names []string
	for f := range t.Fields() {
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch name {
		case "-":
			continue
		case "":
			name = f.Name
		}
		names = append(names, name)
	}
	return names
}

// matchField reports which of names the object key fills, by the rule
// encoding/json applies: equal under Unicode case folding.
func matchField(key string, names []string) (string, bool) {
	for _, name := range names {
		if strings.EqualFold(key, name) {
			return name, true
		}
	}
	return "", false
}

// marshalKeeping encodes the struct v, then the members of extra after its
// own, sorted by key.
func marshalKeeping(v any, extra unknown) ([]byte, error) {
	// Compact, and with HTML characters as they are: escaping would rewrite
	// strings inside the unknown members, which must read back exactly as
	// they were.
	enc, err := jsonout.Indent(v, "")
	if err != nil {
		return nil, err
	}
	out := bytes.TrimSuffix(enc, []byte("\n"))
	if len(extra) == 0 {
		return out, nil
	}
	out = out[:len(out)-1]
	for _, key := range slices.Sorted(maps.Keys(extra)) {
		if out[len(out)-1] != '{' {
			out = append(out, ',')
		}
		k, err := json.Marshal(key)
		if err != nil {
			return nil, err
		}
		out = append(out, k...)
		out = append(out, ':')
		out = append(out, extra[key]...)
	}
	return append(out, '}'), nil
}
