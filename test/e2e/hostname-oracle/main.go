// hostname-oracle answers, for each (certificate DNS name, hostname) pair read from stdin, whether
// Go's crypto/x509 accepts a certificate carrying that one DNS name for that hostname
// (Certificate.VerifyHostname): the reference certguard's covers() (src/certs/hostname.ts) must
// agree with. Input: a JSON array of {"pattern", "host"}; output: a JSON array of booleans.
package main

import (
	"crypto/x509"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
)

type pair struct {
	Pattern string `json:"pattern"`
	Host    string `json:"host"`
}

type answer struct {
	Go     string `json:"go"`
	Covers []bool `json:"covers"`
}

func main() {
	var pairs []pair
	if err := json.NewDecoder(os.Stdin).Decode(&pairs); err != nil {
		fmt.Fprintln(os.Stderr, "hostname-oracle: reading pairs:", err)
		os.Exit(2)
	}
	out := answer{Go: runtime.Version(), Covers: make([]bool, len(pairs))}
	for i, p := range pairs {
		certificate := &x509.Certificate{DNSNames: []string{p.Pattern}}
		out.Covers[i] = certificate.VerifyHostname(p.Host) == nil
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fmt.Fprintln(os.Stderr, "hostname-oracle: writing answers:", err)
		os.Exit(2)
	}
}
