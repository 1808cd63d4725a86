// A customer org, a license, an API-call pack and the support level in Go, through the
// partnerfleet provider plugin and the Go SDK generated from its schema (sdk/go). Here it runs
// as the Automation API's inline program (this process serves the language runtime itself):
//
//	go run . up|preview|destroy
//
// with PARTNERFLEET_ENDPOINT, PARTNERFLEET_API_KEY, SEATS and STACK from the environment; it
// prints one JSON line: the change summary and the stack's outputs.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"partnerfleet.dev/sdk/go/partnerfleet"
)

func fleet(seats int) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		org, err := partnerfleet.NewCustomerOrg(ctx, "kanzlei", &partnerfleet.CustomerOrgArgs{
			Name:         pulumi.String("Kanzlei Berg"),
			Segment:      pulumi.String("business"),
			Country:      pulumi.String("DE"),
			ContactEmail: pulumi.String("it@kanzlei-berg.example"),
			Reference:    pulumi.String("kb-1"),
		})
		if err != nil {
			return err
		}
		dns, err := partnerfleet.NewLicense(ctx, "kanzleiDns", &partnerfleet.LicenseArgs{
			CustomerId: org.ID(),
			Product:    pulumi.String("dns-filter"),
			Edition:    pulumi.String("pro"),
			TermMonths: pulumi.Int(12),
			Seats:      pulumi.Int(seats),
			Reference:  pulumi.String("kb-1-dns"),
		})
		if err != nil {
			return err
		}
		if _, err := partnerfleet.NewAddOn(ctx, "apiCalls", &partnerfleet.AddOnArgs{
			Option: pulumi.String("api-calls-25k"),
		}); err != nil {
			return err
		}
		if _, err := partnerfleet.NewSupportLevel(ctx, "support", &partnerfleet.SupportLevelArgs{
			SupportLevel: pulumi.String("basic"),
		}); err != nil {
			return err
		}
		ctx.Export("customerId", org.ID())
		ctx.Export("seats", dns.Seats)
		ctx.Export("licenseKey", dns.LicenseKey)
		return nil
	}
}

func main() {
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(operation string) error {
	ctx := context.Background()
	seats := 25
	if value := os.Getenv("SEATS"); value != "" {
		parsed, err := strconv.Atoi(value)
		if err != nil {
			return fmt.Errorf("SEATS: %w", err)
		}
		seats = parsed
	}
	name := os.Getenv("STACK")
	if name == "" {
		name = "dev"
	}
	stack, err := auto.UpsertStackInlineSource(ctx, name, "partnerfleet-go", fleet(seats))
	if err != nil {
		return err
	}
	config := auto.ConfigMap{
		"partnerfleet:endpoint": auto.ConfigValue{Value: os.Getenv("PARTNERFLEET_ENDPOINT")},
		"partnerfleet:apiKey": auto.ConfigValue{
			Value: os.Getenv("PARTNERFLEET_API_KEY"), Secret: true,
		},
	}
	if err := stack.SetAllConfig(ctx, config); err != nil {
		return err
	}
	var changes map[string]int
	switch operation {
	case "up":
		result, err := stack.Up(ctx)
		if err != nil {
			return err
		}
		changes = *result.Summary.ResourceChanges
	case "preview":
		result, err := stack.Preview(ctx)
		if err != nil {
			return err
		}
		changes = map[string]int{}
		for op, count := range result.ChangeSummary {
			changes[string(op)] = count
		}
	case "destroy":
		result, err := stack.Destroy(ctx)
		if err != nil {
			return err
		}
		changes = *result.Summary.ResourceChanges
	default:
		return fmt.Errorf("unknown operation %s", operation)
	}
	outputs, err := stack.Outputs(ctx)
	if err != nil {
		return err
	}
	plain := map[string]any{}
	for key, output := range outputs {
		if output.Secret {
			plain[key] = "[secret]"
		} else {
			plain[key] = output.Value
		}
	}
	line, err := json.Marshal(map[string]any{"changes": changes, "outputs": plain})
	if err != nil {
		return err
	}
	fmt.Println(string(line))
	return nil
}
