// gen-sdk writes the partnerfleet SDKs for TypeScript, Python and Go from the provider
// plugin's package schema, with the generators of the Pulumi engine's own Go module (the
// same code `pulumi package gen-sdk` runs, without the language hosts it would need).
//
//	go run . SCHEMA.json LANGUAGE OUT_DIR
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/blang/semver"
	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	"github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	"github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

const tool = "partnerfleet gen-sdk"

func main() {
	if len(os.Args) != 4 {
		fail("usage: gen-sdk SCHEMA.json nodejs|python|go OUT_DIR")
	}
	text, err := os.ReadFile(os.Args[1])
	if err != nil {
		fail(err.Error())
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(text, &spec); err != nil {
		fail("the schema is not JSON: " + err.Error())
	}
	pkg, diags, err := schema.BindSpec(spec, noPackages{}, schema.ValidationOptions{})
	if err != nil {
		fail(err.Error())
	}
	if diags.HasErrors() {
		fail("the schema is not valid: " + diags.Error())
	}
	var files map[string][]byte
	switch os.Args[2] {
	case "nodejs":
		files, err = nodejs.GeneratePackage(tool, pkg, nil, nil, false, noPackages{})
	case "python":
		files, err = python.GeneratePackage(tool, pkg, nil, noPackages{})
	case "go":
		files, err = gogen.GeneratePackage(tool, pkg, nil)
	default:
		fail("language: nodejs, python or go")
	}
	if err != nil {
		fail(err.Error())
	}
	out := os.Args[3]
	for name, content := range files {
		path := filepath.Join(out, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			fail(err.Error())
		}
		if err := os.WriteFile(path, content, 0o644); err != nil {
			fail(err.Error())
		}
	}
	fmt.Printf("gen-sdk: %d files -> %s\n", len(files), out)
}

// noPackages loads no other package: the partnerfleet schema refers to none.
type noPackages struct{}

func (noPackages) LoadPackage(name string, _ *semver.Version) (*schema.Package, error) {
	return nil, fmt.Errorf("the schema refers to package %s: partnerfleet refers to none", name)
}

func (l noPackages) LoadPackageV2(
	_ context.Context, descriptor *schema.PackageDescriptor,
) (*schema.Package, error) {
	return l.LoadPackage(descriptor.Name, nil)
}

func (l noPackages) LoadPackageReference(
	name string, version *semver.Version,
) (schema.PackageReference, error) {
	return nil, fmt.Errorf("the schema refers to package %s: partnerfleet refers to none", name)
}

func (l noPackages) LoadPackageReferenceV2(
	_ context.Context, descriptor *schema.PackageDescriptor,
) (schema.PackageReference, error) {
	return l.LoadPackageReference(descriptor.Name, nil)
}

func fail(message string) {
	fmt.Fprintln(os.Stderr, "gen-sdk: "+message)
	os.Exit(1)
}
