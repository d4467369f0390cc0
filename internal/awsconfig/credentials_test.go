package awsconfig

import (
	"bytes"
	"testing"
	"time"
)

func TestWriteCredentials(t *testing.T) {
	var b bytes.Buffer
	exp := time.Date(2030, 1, 2, 4, 5, 6, 700, time.FixedZone("CET", 3600))
	if err := WriteCredentials(&b, "ory_at_SYNTHETIC", exp); err != nil {
		t.Fatal(err)
	}
	want := "{\n  \"Version\": 1,\n  \"AccessKeyId\": \"ory_at_SYNTHETIC\",\n  \"SecretAccessKey\": \"gatewaysecret\",\n  \"Expiration\": \"2030-01-02T03:05:06Z\"\n}\n"
	if b.String() != want {
		t.Errorf("got %s, want %s", b.String(), want)
	}
	b.Reset()
	if err := WriteCredentials(&b, "SYNTHETIC-pat", time.Time{}); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b.Bytes(), []byte("Expiration")) {
		t.Errorf("a token without expiry got one: %s", b.String())
	}
}
