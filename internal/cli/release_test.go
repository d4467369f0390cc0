package cli

import "testing"

// TestReleaseVersion checks that the version .ci/release stamps in with
// -ldflags -X is the one --version says.
func TestReleaseVersion(t *testing.T) {
	defer func(v string) { releaseVersion = v }(releaseVersion)
	releaseVersion = "v1.2.3"
	code, stdout, stderr := runCLI(t, "--version")
	if code != exitOK || stderr != "" || stdout != "cells-oob version v1.2.3\n" {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}
