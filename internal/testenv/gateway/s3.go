package gateway

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

const s3Namespace = "http://s3.amazonaws.com/doc/2006-03-01/"

// serveS3 answers the few S3 calls that listing and reading take:
// ListBuckets, ListObjects (both versions), GetBucketLocation, HeadBucket,
// and GetObject or HeadObject.
func (g *Gateway) serveS3(w http.ResponseWriter, r *http.Request) {
	if !g.authorizeS3(w, r) {
		return
	}
	bucket, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	q := r.URL.Query()
	switch {
	case r.Method != http.MethodGet && r.Method != http.MethodHead:
		s3Error(w, http.StatusNotImplemented, "NotImplemented", "this stand-in only reads")
	case bucket == "":
		writeXML(w, listBuckets{
			Xmlns:   s3Namespace,
			Owner:   owner{ID: "cells", DisplayName: "cells"},
			Buckets: []bucketEntry{{Name: Bucket, CreationDate: modified.Format(s3Time)}},
		})
	case bucket != Bucket:
		s3Error(w, http.StatusNotFound, "NoSuchBucket", "the only bucket is "+Bucket)
	case key == "" && q.Has("location"):
		writeXML(w, locationConstraint{Xmlns: s3Namespace})
	case key == "" && r.Method == http.MethodHead:
		w.WriteHeader(http.StatusOK)
	case key == "":
		writeXML(w, listObjects(q.Get("prefix"), q.Get("delimiter"), q.Get("list-type") == "2"))
	default:
		body, ok := Objects[key]
		if !ok {
			s3Error(w, http.StatusNotFound, "NoSuchKey", "no such key")
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Header().Set("ETag", etag(body))
		w.Header().Set("Last-Modified", modified.Format(http.TimeFormat))
		if r.Method == http.MethodGet {
			fmt.Fprint(w, body)
		}
	}
}

// authorizeS3 lets r through when its signature holds with Secret and
// userinfo accepts its access key as a token; else it answers 403 as the
// gateway would.
func (g *Gateway) authorizeS3(w http.ResponseWriter, r *http.Request) bool {
	s, err := parseAuthorization(r.Header.Get("Authorization"))
	if err != nil {
		g.refuse()
		s3Error(w, http.StatusForbidden, "AccessDenied", err.Error())
		return false
	}
	if s.region != "us-east-1" || s.service != "s3" {
		g.refuse()
		s3Error(w, http.StatusBadRequest, "AuthorizationHeaderMalformed", "the credential scope must be us-east-1/s3, not "+s.region+"/"+s.service)
		return false
	}
	if err := s.verify(r, Secret, g.now()); err != nil {
		g.refuse()
		s3Error(w, http.StatusForbidden, "SignatureDoesNotMatch", err.Error())
		return false
	}
	if _, err := g.whoIs(r.Context(), s.accessKey); err != nil {
		g.refuse()
		s3Error(w, http.StatusForbidden, "InvalidAccessKeyId", "the access key is not a token the server accepts")
		return false
	}
	g.mu.Lock()
	g.keys = append(g.keys, s.accessKey)
	g.mu.Unlock()
	return true
}

// s3Time is how S3 writes times in XML.
const s3Time = "2006-01-02T15:04:05.000Z"

type owner struct {
	ID          string `xml:"ID"`
	DisplayName string `xml:"DisplayName"`
}

type bucketEntry struct {
	Name         string `xml:"Name"`
	CreationDate string `xml:"CreationDate"`
}

type listBuckets struct {
	XMLName xml.Name      `xml:"ListAllMyBucketsResult"`
	Xmlns   string        `xml:"xmlns,attr"`
	Owner   owner         `xml:"Owner"`
	Buckets []bucketEntry `xml:"Buckets>Bucket"`
}

type locationConstraint struct {
	XMLName xml.Name `xml:"LocationConstraint"`
	Xmlns   string   `xml:"xmlns,attr"`
}

type object struct {
	Key          string `xml:"Key"`
	LastModified string `xml:"LastModified"`
	ETag         string `xml:"ETag"`
	Size         int    `xml:"Size"`
	StorageClass string `xml:"StorageClass"`
}

type commonPrefix struct {
	Prefix string `xml:"Prefix"`
}

type listBucket struct {
	XMLName        xml.Name       `xml:"ListBucketResult"`
	Xmlns          string         `xml:"xmlns,attr"`
	Name           string         `xml:"Name"`
	Prefix         string         `xml:"Prefix"`
	Delimiter      string         `xml:"Delimiter,omitempty"`
	Marker         *string        `xml:"Marker"`
	KeyCount       *int           `xml:"KeyCount"`
	MaxKeys        int            `xml:"MaxKeys"`
	IsTruncated    bool           `xml:"IsTruncated"`
	Contents       []object       `xml:"Contents"`
	CommonPrefixes []commonPrefix `xml:"CommonPrefixes"`
}

// listObjects lists the objects under prefix, those past a delimiter
// folded into common prefixes, in one page.
func listObjects(prefix, delimiter string, v2 bool) listBucket {
	l := listBucket{Xmlns: s3Namespace, Name: Bucket, Prefix: prefix, Delimiter: delimiter, MaxKeys: 1000}
	seen := map[string]bool{}
	for _, k := range keysUnder(prefix) {
		rest := k[len(prefix):]
		if i := strings.Index(rest, delimiter); delimiter != "" && i >= 0 {
			p := prefix + rest[:i+len(delimiter)]
			if !seen[p] {
				seen[p] = true
				l.CommonPrefixes = append(l.CommonPrefixes, commonPrefix{p})
			}
			continue
		}
		body := Objects[k]
		l.Contents = append(l.Contents, object{Key: k, LastModified: modified.Format(s3Time), ETag: etag(body), Size: len(body), StorageClass: "STANDARD"})
	}
	if v2 {
		n := len(l.Contents) + len(l.CommonPrefixes)
		l.KeyCount = &n
	} else {
		empty := ""
		l.Marker = &empty
	}
	return l
}

func etag(body string) string {
	return fmt.Sprintf(`"%032x"`, len(body))
}

type s3ErrorBody struct {
	XMLName xml.Name `xml:"Error"`
	Code    string   `xml:"Code"`
	Message string   `xml:"Message"`
}

func s3Error(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	out, _ := xml.Marshal(s3ErrorBody{Code: code, Message: msg})
	w.Write(append([]byte(xml.Header), out...))
}

// writeXML answers 200 with v.
func writeXML(w http.ResponseWriter, v any) {
	out, err := xml.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/xml")
	w.Write(append([]byte(xml.Header), out...))
}
