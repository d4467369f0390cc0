// Package awsconfig writes what AWS tools read to reach the Cells S3 gateway
// on a cells-oob session: the credential_process document and a profile of
// the AWS config file.
package awsconfig
