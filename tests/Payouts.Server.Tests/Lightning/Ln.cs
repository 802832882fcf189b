using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Payouts.Core.Lightning;
using Payouts.Server.Tests.Support;
using Payouts.Simulators.Lightning;
using Payouts.Simulators.Lightning.Cln;
using Payouts.Simulators.Lightning.Lnd;
using Payouts.Simulators.Lightning.Lnurl;

// Not "…Tests.Lightning" like the folder: that namespace would hide SandboxHttp.Lightning, which the cluster tests import statically.
namespace Payouts.Server.Tests.LightningPayouts;

/// <summary>Helpers for stores whose Lightning payouts leave from a simulated LND or Core Lightning node.</summary>
public static class Ln
{
    public const string Method = "BTC-LN";

    /// <summary>The Lightning-address domain the node is told lives at the LNURL simulator (Payouts:Lightning:AddressHosts).</summary>
    public const string AddressDomain = "pay.test";

    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    /// <summary>What a node needs to resolve <c>user@pay.test</c> at <paramref name="lnurl"/> over plain HTTP on loopback.</summary>
    public static Dictionary<string, string> NodeSettings(LnurlPaySimulator? lnurl) => lnurl is null ? [] : new()
    {
        ["Payouts:Lightning:AllowPrivateLnurlHosts"] = "true",
        [$"Payouts:Lightning:AddressHosts:{AddressDomain}"] = $"http://127.0.0.1:{lnurl.Port}",
    };

    public static string Address(string user) => $"{user}@{AddressDomain}";

    public static string LndConnectionString(LndSimulator lnd, string? macaroon = null, string? certThumbprint = null, int? port = null)
    {
        var scheme = lnd.Options.Https ? "https" : "http";
        var cs = $"type=lnd-rest;server={scheme}://127.0.0.1:{port ?? lnd.Port};macaroon={macaroon ?? lnd.MacaroonHex}";
        return (certThumbprint ?? lnd.CertThumbprint) is { } t ? $"{cs};certthumbprint={t}" : cs;
    }

    public static string ClnConnectionString(ClnSimulator cln) => $"type=clightning;server=unix://{cln.SocketPath}";

    public static string RailBody(string connectionString, string network = "regtest", int paymentTimeoutSeconds = 30, int parallelPayments = 8) =>
        JsonSerializer.Serialize(new { connectionString, network, paymentTimeoutSeconds, parallelPayments });

    public static async Task<JsonNode> ConfigureRail(HttpClient c, string storeId, string connectionString, int paymentTimeoutSeconds = 30) =>
        await Http.Expect(await c.PutAsync($"/api/v1/stores/{storeId}/rails/{Method}", Http.Json(RailBody(connectionString, paymentTimeoutSeconds: paymentTimeoutSeconds))),
            HttpStatusCode.OK);

    public static async Task PutProcessor(HttpClient c, string storeId, int intervalSeconds = 1)
    {
        var body = JsonSerializer.Serialize(new { intervalSeconds, processNewPayoutsInstantly = true, maxFeePercent = 1m });
        await Http.Expect(await c.PutAsync(SandboxHttp.ProcessorPath(storeId, Method), Http.Json(body)), HttpStatusCode.OK);
    }

    /// <summary>POST …/payouts with the amount left out when <paramref name="amount"/> is null; the raw answer.</summary>
    public static Task<RawAnswer> TryCreate(HttpClient c, string storeId, string destination, string? amount, bool approved = true, string? pullPaymentId = null)
    {
        var body = new JsonObject { ["destination"] = destination, ["payoutMethodId"] = Method, ["approved"] = approved };
        if (amount is not null) body["amount"] = amount;
        if (pullPaymentId is not null) body["pullPaymentId"] = pullPaymentId;
        return RawHttp.Post(c, $"/api/v1/stores/{storeId}/payouts", body.ToJsonString());
    }

    public static async Task<string> CreateApproved(HttpClient c, string storeId, string destination, string? amount = null)
    {
        var answer = await TryCreate(c, storeId, destination, amount);
        Assert.True(answer.Status == HttpStatusCode.OK, $"{(int)answer.Status}: {answer.Text}");
        Assert.Equal("AwaitingPayment", answer.Json["state"]!.GetValue<string>());
        return answer.Json["id"]!.GetValue<string>();
    }

    public static decimal Btc(long msat) => Bolt11Invoice.MsatToBtc(msat);

    public static string BtcText(long msat) => Btc(msat).ToString(CultureInfo.InvariantCulture);

    public static string PaymentHash(string bolt11) => Bolt11Invoice.Parse(bolt11).PaymentHash;

    /// <summary>
    /// The payout's proof is BTCPay's PayoutLightningBlob for <paramref name="paymentHash"/>, and its preimage really is
    /// the receipt: SHA-256 of it is that hash. Returns the preimage.
    /// </summary>
    public static string AssertPreimageProof(JsonNode payout, string paymentHash)
    {
        var proof = payout["paymentProof"];
        Assert.True(proof is JsonObject, $"payout {payout["id"]} has no proof: {payout.ToJsonString()}");
        Assert.Equal("PayoutLightningBlob", proof!["proofType"]!.GetValue<string>());
        Assert.Equal(paymentHash, proof["paymentHash"]!.GetValue<string>(), ignoreCase: true);
        var preimage = proof["preimage"]!.GetValue<string>();
        Assert.Equal(paymentHash, Convert.ToHexStringLower(SHA256.HashData(Convert.FromHexString(preimage))), ignoreCase: true);
        return preimage;
    }

    /// <summary>Every payout of the store, as the list endpoint shows them.</summary>
    public static async Task<JsonArray> List(HttpClient c, string storeId) =>
        (await Http.Get(c, $"/api/v1/stores/{storeId}/payouts?includeCancelled=true")).AsArray();

    /// <summary>What the network saw: each attempt of this hash, and what became of it.</summary>
    public static string Describe(LightningNetworkSim network, string paymentHash) =>
        $"{paymentHash[..12]}: attempts [{string.Join(", ", network.Attempts.Where(a => a.PaymentHash == paymentHash).Select(a => $"{a.FromNode} {a.State} {a.Failure}"))}]"
        + $", settled {network.PaymentsSettled(paymentHash).Count}";
}
