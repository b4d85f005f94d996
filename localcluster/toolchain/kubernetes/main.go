// Command pulumi-resource-kubernetes serves the Pulumi Kubernetes provider.
//
// Upstream's main package embeds files produced by upstream's build
// (schema-embed.json, terraform-mapping-embed.json). ../build.sh instead copies
// the schema.json and terraform-mapping.json that ship in the provider Go
// module next to this file, inside the generated wrapper module in the cache.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed schema.json
var pulumiSchema []byte

//go:embed terraform-mapping.json
var terraformMapping []byte

func main() {
	provider.Serve("kubernetes", version.Version, pulumiSchema, terraformMapping)
}
