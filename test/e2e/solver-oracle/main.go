// solver-oracle answers, with cert-manager's own code, which ACME solver cert-manager picks for each
// name of each case in certguard's solver table (src/policies/certificate-dns/fixtures/solver-picks.yaml).
// It calls github.com/cert-manager/cert-manager/pkg/util/solverpicker.Pick — the function the
// Order controller calls for every authorization (pkg/controller/acmeorders/util.go:106) — with
// what the controller would pass it:
//   - the identifier as the ACME server returns it (pebble and Let's Encrypt return DNS
//     identifiers lower-cased; cert-manager reads it back at acmeorders/sync.go:436), "*." added
//     for a wildcard authorization (util.go:101-104);
//   - the challenge types the server offers for that identifier, in the table's `offered` lists;
//   - an Order carrying the Certificate's labels (cert-manager copies them Certificate ->
//     CertificateRequest -> Order: certificates/requestmanager/requestmanager_controller.go:405,
//     certificaterequests/acme/acme.go:320);
//   - IP addresses as cert-manager puts them into the Order (net.IP.String(), acme.go:267-269).
//
// Usage: solver-oracle -table FILE          prints the answers as JSON (for the re-run test)
//        solver-oracle -table FILE -write   records them into FILE (each case's `picks`)
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"reflect"
	"runtime/debug"
	"strings"

	cmacme "github.com/cert-manager/cert-manager/pkg/apis/acme/v1"
	"github.com/cert-manager/cert-manager/pkg/util/solverpicker"
	"go.yaml.in/yaml/v3"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

const certManagerModule = "github.com/cert-manager/cert-manager"

type offered struct {
	DNS      []string `yaml:"dns"`
	Wildcard []string `yaml:"wildcard"`
	IP       []string `yaml:"ip"`
}

type certificate struct {
	Labels      map[string]string `yaml:"labels"`
	CommonName  string            `yaml:"commonName"`
	DNSNames    []string          `yaml:"dnsNames"`
	IPAddresses []string          `yaml:"ipAddresses"`
}

type testCase struct {
	ID          string `yaml:"id"`
	Issuer      struct {
		Solvers []any `yaml:"solvers"`
	} `yaml:"issuer"`
	Certificate certificate `yaml:"certificate"`
}

type table struct {
	Offered offered    `yaml:"offered"`
	Cases   []testCase `yaml:"cases"`
}

// Pick is one name's answer; Solver is absent when Type is "none".
type Pick struct {
	Name       string `yaml:"name" json:"name"`
	Identifier string `yaml:"identifier" json:"identifier"`
	Solver     *int   `yaml:"solver,omitempty" json:"solver,omitempty"`
	Type       string `yaml:"type" json:"type"`
}

type answers struct {
	RecordedWith string            `json:"recordedWith"`
	Picks        map[string][]Pick `json:"picks"`
}

// solversOf turns the table's solvers (Issuer YAML) into cert-manager's own type through its JSON
// tags, rejecting unknown fields so a typo cannot silently become "no selector".
func solversOf(raw []any) ([]cmacme.ACMEChallengeSolver, error) {
	data, err := json.Marshal(raw)
	if err != nil {
		return nil, err
	}
	decoder := json.NewDecoder(bytes.NewReader(data))
	decoder.DisallowUnknownFields()
	var solvers []cmacme.ACMEChallengeSolver
	if err := decoder.Decode(&solvers); err != nil {
		return nil, err
	}
	// A Challenge's spec.solver is a copy of the chosen solver: only pairwise distinct solvers let
	// the answer (and the e2e test, reading Challenges) name an index.
	for i := range solvers {
		for j := i + 1; j < len(solvers); j++ {
			if reflect.DeepEqual(solvers[i], solvers[j]) {
				return nil, fmt.Errorf("solvers %d and %d are identical: make them distinguishable", i, j)
			}
		}
	}
	return solvers, nil
}

// names lists the Order's identifiers in the table's order: dnsNames, ipAddresses, then the
// commonName when it is neither (acmeorders/sync.go:286-293 adds it to the identifier set).
func names(c certificate) []string {
	all := append(append([]string{}, c.DNSNames...), c.IPAddresses...)
	if c.CommonName != "" && !contains(all, c.CommonName) {
		all = append(all, c.CommonName)
	}
	return all
}

func contains(list []string, value string) bool {
	for _, item := range list {
		if item == value {
			return true
		}
	}
	return false
}

// authorization is what the ACME server answers for a name: its identifier, whether it is a
// wildcard authorization, and the challenge types it offers.
func authorization(name string, o offered) (identifier string, wildcard bool, types []string) {
	if ip := net.ParseIP(name); ip != nil {
		return ip.String(), false, o.IP
	}
	lower := strings.ToLower(name)
	if rest, ok := strings.CutPrefix(lower, "*."); ok {
		return rest, true, o.Wildcard
	}
	return lower, false, o.DNS
}

func pickCase(c testCase, o offered) ([]Pick, error) {
	solvers, err := solversOf(c.Issuer.Solvers)
	if err != nil {
		return nil, fmt.Errorf("case %s: %w", c.ID, err)
	}
	order := &cmacme.Order{ObjectMeta: metav1.ObjectMeta{Labels: c.Certificate.Labels}}
	picks := []Pick{}
	for _, name := range names(c.Certificate) {
		identifier, wildcard, types := authorization(name, o)
		challenges := make([]cmacme.ACMEChallenge, len(types))
		for i, t := range types {
			challenges[i] = cmacme.ACMEChallenge{Type: t, URL: "https://acme.invalid/chall/" + t, Token: "token"}
		}
		domainToFind := identifier
		if wildcard {
			domainToFind = "*." + identifier
		}
		solver, challenge := solverpicker.Pick(context.Background(), domainToFind, challenges, solvers, order)
		pick := Pick{Name: name, Identifier: domainToFind, Type: "none"}
		if solver != nil && challenge != nil {
			index := indexOf(solvers, solver)
			if index < 0 {
				return nil, fmt.Errorf("case %s: Pick returned a solver not in the issuer", c.ID)
			}
			pick.Solver = &index
			pick.Type = challenge.Type
		}
		picks = append(picks, pick)
	}
	return picks, nil
}

func indexOf(solvers []cmacme.ACMEChallengeSolver, picked *cmacme.ACMEChallengeSolver) int {
	for i := range solvers {
		if reflect.DeepEqual(solvers[i], *picked) {
			return i
		}
	}
	return -1
}

func certManagerVersion() string {
	info, ok := debug.ReadBuildInfo()
	if ok {
		for _, dep := range info.Deps {
			if dep.Path == certManagerModule {
				return certManagerModule + " " + dep.Version
			}
		}
	}
	return certManagerModule + " (unknown version)"
}

// mappingValue returns the value node of key in a mapping node, adding the key when absent.
func mappingValue(mapping *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(mapping.Content); i += 2 {
		if mapping.Content[i].Value == key {
			return mapping.Content[i+1]
		}
	}
	keyNode := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}
	valueNode := &yaml.Node{}
	mapping.Content = append(mapping.Content, keyNode, valueNode)
	return valueNode
}

// write records the answers into the table, keeping its comments and layout.
func write(path string, document *yaml.Node, result answers, cases []testCase) error {
	root := document.Content[0]
	if err := mappingValue(root, "recordedWith").Encode(result.RecordedWith); err != nil {
		return err
	}
	caseNodes := mappingValue(root, "cases").Content
	for i, c := range cases {
		if err := mappingValue(caseNodes[i], "picks").Encode(result.Picks[c.ID]); err != nil {
			return err
		}
	}
	var out bytes.Buffer
	encoder := yaml.NewEncoder(&out)
	encoder.SetIndent(2)
	if err := encoder.Encode(document); err != nil {
		return err
	}
	return os.WriteFile(path, out.Bytes(), 0o644)
}

func run(path string, record bool) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var document yaml.Node
	if err := yaml.Unmarshal(data, &document); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	var t table
	if err := document.Decode(&t); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	result := answers{RecordedWith: certManagerVersion(), Picks: map[string][]Pick{}}
	for _, c := range t.Cases {
		if _, seen := result.Picks[c.ID]; seen || c.ID == "" {
			return fmt.Errorf("case ids must be present and unique: %q", c.ID)
		}
		picks, err := pickCase(c, t.Offered)
		if err != nil {
			return err
		}
		result.Picks[c.ID] = picks
	}
	if record {
		return write(path, &document, result, t.Cases)
	}
	return json.NewEncoder(os.Stdout).Encode(result)
}

func main() {
	path := flag.String("table", "", "the solver table (YAML)")
	record := flag.Bool("write", false, "record the answers into the table instead of printing them")
	flag.Parse()
	if *path == "" {
		fmt.Fprintln(os.Stderr, "usage: solver-oracle -table FILE [-write]")
		os.Exit(2)
	}
	if err := run(*path, *record); err != nil {
		fmt.Fprintln(os.Stderr, "solver-oracle:", err)
		os.Exit(1)
	}
}
