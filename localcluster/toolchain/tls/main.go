// Command pulumi-resource-tls serves the Terraform "tls" provider through the
// Pulumi Terraform bridge, with the resource tokens @pulumi/tls uses
// (tls:index/privateKey:PrivateKey, ...).
//
// Built by ../build.sh inside a generated module whose path lies under
// github.com/hashicorp/terraform-provider-tls, so that the upstream provider's
// internal package may be imported. The schema is generated in-process on
// demand (GetSchema), so no build-time generated files are needed.
package main

import (
	"context"
	"encoding/json"
	"io"

	tftls "github.com/hashicorp/terraform-provider-tls/internal/provider"
	pfbridge "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge/tokens"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfgen"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag/colors"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
)

// version is set with -ldflags "-X main.version=...".
var version = "0.0.0-dev"

func providerInfo() tfbridge.ProviderInfo {
	info := tfbridge.ProviderInfo{
		P:       pfbridge.ShimProvider(tftls.New()),
		Name:    "tls",
		Version: version,
		// Upstream embeds a bridge-metadata.json produced by tfgen; an empty
		// document is enough to serve the provider.
		MetadataInfo:                   tfbridge.NewProviderMetadata([]byte("{}")),
		EnableZeroDefaultSchemaVersion: true,
		EnableAccurateBridgePreview:    true,
	}
	// tls_private_key => tls:index/privateKey:PrivateKey, tls_public_key => tls:index/getPublicKey:getPublicKey.
	info.MustComputeTokens(tokens.SingleModule("tls_", "index", tokens.MakeStandard("tls")))
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
	pfbridge.Main(context.Background(), "tls", info, meta)
}
