// A customer org, a license, an API-call pack and the support level, declared in TypeScript
// through the partnerfleet provider plugin (its SDK is generated from the plugin's schema).
import * as pulumi from "@pulumi/pulumi";
import * as partnerfleet from "@partnerfleet/pulumi";

export function fleet() {
    const config = new pulumi.Config();
    const seats = config.getNumber("seats") ?? 25;

    const kanzlei = new partnerfleet.CustomerOrg("kanzlei", {
        name: "Kanzlei Berg",
        segment: "business",
        country: "DE",
        contactEmail: "it@kanzlei-berg.example",
        reference: "kb-1",
    });
    const dns = new partnerfleet.License("kanzleiDns", {
        customerId: kanzlei.id,
        product: "dns-filter",
        edition: "pro",
        termMonths: 12,
        seats,
        reference: "kb-1-dns",
    });
    new partnerfleet.AddOn("apiCalls", { option: "api-calls-25k" });
    new partnerfleet.SupportLevel("support", { supportLevel: "basic" });
    const wallet = partnerfleet.getWalletOutput();

    return {
        customerId: kanzlei.id,
        seats: dns.seats,
        licenseKey: dns.licenseKey,
        balanceCents: wallet.result.apply((w: any) => w.balanceCents as number),
    };
}
