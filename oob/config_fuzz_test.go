package oob

import (
	"bytes"
	"reflect"
	"testing"
)

// FuzzConfig feeds the config parser arbitrary files: it must never panic,
// and whatever it accepts must encode and read back to the same config.
func FuzzConfig(f *testing.F) {
	for _, seed := range fuzzSeeds(f, "config", "*.json") {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := parseConfig(data)
		if err != nil {
			return
		}
		checkRoundTrip(t, c)
	})
}

// checkRoundTrip checks that c encodes, that the encoding reads back to c,
// and that encoding is then a fixed point.
func checkRoundTrip(t *testing.T, c *Config) {
	t.Helper()
	data, err := encodeConfig(c)
	if err != nil {
		t.Fatalf("encode %+v: %v", c, err)
	}
	again, err := parseConfig(data)
	if err != nil {
		t.Fatalf("encoding does not parse: %v\n%s", err, data)
	}
	if !reflect.DeepEqual(sameZones(c), sameZones(again)) {
		t.Fatalf("config changed across a save:\n%+v\n%+v\n%s", c, again, data)
	}
	data2, err := encodeConfig(again)
	if err != nil {
		t.Fatalf("encode again: %v", err)
	}
	if !bytes.Equal(data, data2) {
		t.Fatalf("encoding is not stable:\n%s\n%s", data, data2)
	}
}

// sameZones returns a copy of c with expiries in UTC: an expiry means an
// instant, and RFC 3339 may write one instant with a different zone (a
// +00:00 offset reads back as Local, which writes back as Z).
func sameZones(c *Config) *Config {
	out := *c
	out.Profiles = make(map[string]*Profile, len(c.Profiles))
	for name, p := range c.Profiles {
		q := *p
		q.Token.Expiry = q.Token.Expiry.UTC()
		out.Profiles[name] = &q
	}
	return &out
}
