// Command pulumi-resource-random serves the Terraform "random" provider through
// the Pulumi Terraform bridge, with the resource tokens @pulumi/random uses
// (random:index/randomPassword:RandomPassword, ...).
//
// Built by ../build.sh inside a generated module whose path lies under
// github.com/terraform-providers/terraform-provider-random, so that the
// upstream provider's internal package may be imported. The schema is
// generated in-process on demand (GetSchema), so no build-time generated files
// are needed.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"

	pfbridge "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge/tokens"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfgen"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag/colors"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	tfrandom "github.com/terraform-providers/terraform-provider-random/internal/provider"
)

// version is set with -ldflags "-X main.version=...".
var version = "0.0.0-dev"

func providerInfo() tfbridge.ProviderInfo {
	info := tfbridge.ProviderInfo{
		P:       pfbridge.ShimProvider(tfrandom.New()),
		Name:    "random",
		Version: version,
		// Upstream embeds a bridge-metadata.json produced by tfgen; an empty
		// document is enough to serve the provider.
		MetadataInfo: tfbridge.NewProviderMetadata([]byte("{}")),
		Resources: map[string]*tfbridge.ResourceInfo{
			// random_bytes has no "id" attribute; use the base64 value as the ID.
			"random_bytes": {ComputeID: func(_ context.Context, state resource.PropertyMap) (resource.ID, error) {
				v, ok := state["base64"]
				if !ok {
					return "", errors.New("random_bytes: no base64 property in state")
				}
				if v.IsSecret() {
					v = v.SecretValue().Element
				}
				if !v.IsString() {
					return "", errors.New("random_bytes: base64 property is not a string")
				}
				return resource.ID(v.StringValue()), nil
			}},
		},
		EnableAccurateBridgePreview: true,
	}
	// @pulumi/random keeps the "Random" prefix: random_password => random:index/randomPassword:RandomPassword.
	info.MustComputeTokens(tokens.SingleModule("random_", "index", func(module, name string) (string, error) {
		return tokens.MakeStandard("random")(module, "Random"+name)
	}))
	return info
}

func main() {
	info := providerInfo()
	meta := pfbridge.ProviderMetadata{
		XGetSchema: func(context.Context, plugin.GetSchemaRequest) ([]byte, error) {
			sink := diag.DefaultSink(io.Discard, io.Discard, diag.FormatOptions{Color: colors.Never})
			spec, err := tfgen.GenerateSchema(info, sink)
			if err != nil {
				return nil, err
			}
			return json.Marshal(spec)
		},
	}
	pfbridge.Main(context.Background(), "random", info, meta)
}
