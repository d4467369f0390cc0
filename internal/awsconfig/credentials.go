package awsconfig

import (
	"io"
	"time"

	"github.com/cells-oob/cells-oob/internal/jsonout"
)

// GatewaySecret is the secret access key the Cells S3 gateway expects with
// an access token as the access key.
const GatewaySecret = "gatewaysecret"

// Credentials is what a credential_process prints, as the AWS SDKs read it
// (https://docs.aws.amazon.com/sdkref/latest/guide/feature-process-credentials.html).
type Credentials struct {
	// Version is 1, the only version there is.
	Version int `json:"Version"`
	// AccessKeyID is the access token: the Cells gateway takes it as the
	// access key.
	AccessKeyID string `json:"AccessKeyId"`
	// SecretAccessKey is GatewaySecret.
	SecretAccessKey string `json:"SecretAccessKey"`
	// Expiration is when the access token expires, in RFC 3339 and UTC;
	// left out for a token that does not say (a personal access token),
	// which the SDKs then never ask for again.
	Expiration *time.Time `json:"Expiration,omitempty"`
}

// NewCredentials is the credential_process document for an access token
// that expires at expiry (zero when it does not say).
func NewCredentials(accessToken string, expiry time.Time) Credentials {
	c := Credentials{Version: 1, AccessKeyID: accessToken, SecretAccessKey: GatewaySecret}
	if !expiry.IsZero() {
		// Rounded down: a client that renews at Expiration must not
		// present the token a moment after it died.
		exp := expiry.UTC().Truncate(time.Second)
		c.Expiration = &exp
	}
	return c
}

// WriteCredentials writes the credential_process document for accessToken
// to w, as JSON.
func WriteCredentials(w io.Writer, accessToken string, expiry time.Time) error {
	out, err := jsonout.Encode(NewCredentials(accessToken, expiry))
	if err != nil {
		return err
	}
	_, err = w.Write(out)
	return err
}
