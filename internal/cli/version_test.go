package cli

import (
	"runtime/debug"
	"testing"
)

// TestVersionOf: a release says its version; a build from a checkout,
// the commit and its date when Go recorded them; a build without version
// control information, that it is a development build.
func TestVersionOf(t *testing.T) {
	vcs := func(rev, at, modified string) []debug.BuildSetting {
		return []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: rev}, {Key: "vcs.time", Value: at}, {Key: "vcs.modified", Value: modified}}
	}
	const rev = "0123456789abcdef0123456789abcdef01234567"
	tests := []struct {
		name string
		info *debug.BuildInfo
		want string
	}{
		{"no build info", nil, "(unknown)"},
		{"go install @v1.2.3", &debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}}, "v1.2.3"},
		{"a release built from its tag", &debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}, Settings: vcs(rev, "2026-01-02T03:04:05Z", "false")}, "v1.2.3"},
		{"-buildvcs=false", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "(devel)"},
		{"no version at all", &debug.BuildInfo{}, "(devel)"},
		{"a checkout without a version", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs(rev, "2026-01-02T03:04:05Z", "false")},
			"(devel) (commit 0123456789ab, 2026-01-02T03:04:05Z)"},
		{"a checkout between tags, edited", &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20260102030405-0123456789ab+dirty"}, Settings: vcs(rev, "2026-01-02T03:04:05Z", "true")},
			"v0.0.0-20260102030405-0123456789ab+dirty (commit 0123456789ab, 2026-01-02T03:04:05Z, with local changes)"},
		{"after a tag", &debug.BuildInfo{Main: debug.Module{Version: "v1.2.4-0.20260102030405-0123456789ab"}, Settings: vcs(rev, "2026-01-02T03:04:05Z", "false")},
			"v1.2.4-0.20260102030405-0123456789ab (commit 0123456789ab, 2026-01-02T03:04:05Z)"},
		{"a revision only", &debug.BuildInfo{Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "abc"}}}, "(devel) (commit abc)"},
	}
	for _, tt := range tests {
		if got := versionOf(tt.info); got != tt.want {
			t.Errorf("%s: versionOf = %q, want %q", tt.name, got, tt.want)
		}
	}
}
