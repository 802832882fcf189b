using System.Security.Cryptography;
using System.Text.Json;
using Payouts.Core.Lightning;
using Payouts.Core.Sending;
using Payouts.Rails.Lightning;
using Payouts.Rails.Tests.Support;
using static Payouts.Rails.Tests.Lightning.LnAttempts;

namespace Payouts.Rails.Tests.Lightning;

/// <summary>
/// The LND the opt-in tests use: <c>LND_REST_URL</c> (e.g. <c>https://127.0.0.1:8080</c>), <c>LND_MACAROON_HEX</c> (an admin
/// macaroon, <c>xxd -p -c 10000 admin.macaroon</c>), optionally <c>LND_CERT_THUMBPRINT</c> (SHA-256 of tls.cert; without
/// it the certificate is not checked, fine for a throwaway regtest node only), <c>LND_NETWORK</c> (default regtest) and
/// <c>LND_PAY_INVOICE</c>, a fresh invoice with an amount from another node that this one can route to. No node can be
/// installed on the build machines (DESIGN §6), so without them the tests are skipped.
/// </summary>
public static class RealLnd
{
    public const string UrlVariable = "LND_REST_URL", MacaroonVariable = "LND_MACAROON_HEX";

    public static string? Url => Variable(UrlVariable);
    public static string? Macaroon => Variable(MacaroonVariable);
    public static string? Thumbprint => Variable("LND_CERT_THUMBPRINT");
    public static string Network => Variable("LND_NETWORK") ?? "regtest";
    public static string? PayInvoice => Variable("LND_PAY_INVOICE");

    public static string? SkipReason => Url is null || Macaroon is null
        ? $"{UrlVariable} and {MacaroonVariable} are not set: these tests need a real LND, e.g. {UrlVariable}=https://127.0.0.1:8080"
        : null;

    public static string ConnectionString =>
        $"type=lnd-rest;server={Url};macaroon={Macaroon}" + (Thumbprint is { } t ? $";certthumbprint={t}" : ";allowinsecure=true");

    private static string? Variable(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value.Trim() : null;
}

/// <summary>A test against a real LND, skipped with <see cref="RealLnd.SkipReason"/> (or without an invoice to pay) when none is configured.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class RealLndFactAttribute : FactAttribute
{
    public RealLndFactAttribute(bool needsInvoice = false)
    {
        if (RealLnd.SkipReason is { } reason) Skip = reason;
        else if (needsInvoice && RealLnd.PayInvoice is null) Skip = "LND_PAY_INVOICE is not set: paying needs a fresh invoice from another node";
    }
}

/// <summary>The rail's LND client against a real LND, to check that the simulator and the rail agree with the real thing.</summary>
[Trait("Category", "RealLnd")]
public sealed class RealLndTests : IDisposable
{
    private static readonly CancellationToken Ct = CancellationToken.None;
    private readonly HttpClient _http = new();
    private readonly RailRegistry _registry;

    public RealLndTests()
    {
        _registry = new RailRegistry(new NoRailConfigs(), new FakeSandboxStore(), new Sandbox.SandboxOptions(), _http, TimeProvider.System);
    }

    private LightningRail Rail() =>
        _registry.Lightning(LightningRailFixture.Settings(RealLnd.ConnectionString, new LightningSending { PaymentTimeoutSeconds = 60 }, RealLnd.Network));

    [RealLndFact]
    public async Task TestConnectionReportsTheNodeOnItsNetwork()
    {
        var info = await Rail().Test(Ct);

        Assert.Matches("^0[23][0-9a-f]{64}$", info.NodeId);
        Assert.Equal(RealLnd.Network, info.Network);
        Assert.NotEmpty(info.Version);
    }

    [RealLndFact(needsInvoice: true)]
    public async Task PaysTheInvoiceWithAPreimageProofAndNeverASecondTime()
    {
        var invoice = Bolt11Invoice.Parse(RealLnd.PayInvoice!);
        var amountMsat = invoice.AmountMsat ?? throw new InvalidOperationException("LND_PAY_INVOICE must carry an amount");
        var rail = Rail();
        var attempt = Commit(Attempt((invoice.Text, amountMsat)), await rail.Prepare(Attempt((invoice.Text, amountMsat)), Processor(), Ct));
        Assert.Empty(attempt.Payouts.Where(p => p.State == AttemptPayoutState.Failed).Select(p => p.Detail));

        var paid = (await rail.Execute(attempt, Ct))["p1"];
        var preimage = Preimage(paid, invoice.PaymentHash);

        // The node refuses the same hash again ("invoice is already paid"): the rail never calls that "not sent".
        Assert.IsType<SendOutcome.Unknown>((await rail.Execute(attempt, Ct))["p1"]);
        Assert.Equal(preimage, Preimage((await Rail().Status(attempt, Ct))["p1"], invoice.PaymentHash));
    }

    private static string Preimage(SendOutcome outcome, string paymentHash)
    {
        var proof = JsonDocument.Parse(Assert.IsType<SendOutcome.Succeeded>(outcome).ProofJson).RootElement;
        Assert.Equal(paymentHash, proof.GetProperty("paymentHash").GetString());
        var preimage = proof.GetProperty("preimage").GetString()!;
        Assert.Equal(paymentHash, Convert.ToHexStringLower(SHA256.HashData(Convert.FromHexString(preimage))));
        return preimage;
    }

    public void Dispose()
    {
        _registry.Dispose();
        _http.Dispose();
    }
}
