package cli

import (
	"regexp"
	"runtime/debug"
	"strings"
)

// releaseVersion is the version a release build is stamped with, by
// .ci/release through -ldflags "-X …/internal/cli.releaseVersion=v1.2.3";
// empty in every other build.
var releaseVersion string

// version says which cells-oob this is, for --version: the stamped release
// version, or else what the build recorded (see versionOf).
func version() string {
	if releaseVersion != "" {
		return releaseVersion
	}
	info, _ := debug.ReadBuildInfo()
	return versionOf(info)
}

// versionOf says which cells-oob a build is: the module version Go
// recorded (go install …@v1.2.3 records v1.2.3), and for a build from a
// checkout, which has none or a pseudo-version, the commit and its date
// when version control information was recorded (not under
// -buildvcs=false).
func versionOf(info *debug.BuildInfo) string {
	if info == nil {
		return "(unknown)"
	}
	v := info.Main.Version
	if v == "" {
		v = "(devel)"
	}
	vcs := map[string]string{}
	for _, s := range info.Settings {
		vcs[s.Key] = s.Value
	}
	rev := vcs["vcs.revision"]
	release := v != "(devel)" && !pseudoVersion().MatchString(v) && !strings.HasSuffix(v, "+dirty")
	if rev == "" || release {
		return v
	}
	facts := []string{"commit " + rev[:min(len(rev), 12)]}
	if t := vcs["vcs.time"]; t != "" {
		facts = append(facts, t)
	}
	if vcs["vcs.modified"] == "true" {
		facts = append(facts, "with local changes")
	}
	return v + " (" + strings.Join(facts, ", ") + ")"
}

// pseudoVersion matches the time and commit that Go puts into the version
// of a build between tags: v0.0.0-20250102150405-0123456789ab. It is
// compiled when asked for, not at start-up, which every `token` pays.
func pseudoVersion() *regexp.Regexp {
	return regexp.MustCompile(`[-.]\d{14}-[0-9a-f]{12}`)
}
