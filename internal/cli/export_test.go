package cli

import (
	"strings"
	"testing"

	"github.com/cells-oob/cells-oob/internal/awsconfig"
)

// TestExportOptions: export's command line into its options.
func TestExportOptions(t *testing.T) {
	tests := []struct {
		line    string
		want    exportOptions
		wantErr string
	}{
		{line: "--cec", want: exportOptions{cec: true, awsProfile: awsconfig.DefaultName}},
		{line: "--cec --write --cec-config c.yaml", want: exportOptions{cec: true, write: true, cecConfig: "c.yaml", awsProfile: awsconfig.DefaultName}},
		{line: "--aws --aws-profile io", want: exportOptions{aws: true, awsProfile: "io"}},
		{line: "", wantErr: "export: name the tool to export for: --cec (Cells Client) or --aws (S3 clients)"},
		{line: "--cec --aws", wantErr: "export: give --cec or --aws, not both"},
		{line: "--aws --aws-profile a]b", wantErr: `export: --aws-profile: the AWS profile name "a]b" has a space, a control character, a quote, a bracket, # or ;`},
		{line: "--cec extra", wantErr: "export takes no arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			t.Setenv("CELLS_OOB_CEC_CONFIG", "")
			got, err := parseArgs(t, newExportCommand, strings.Fields(tt.line)...)
			checkOptions(t, got, err, tt.want, tt.wantErr)
		})
	}
}
