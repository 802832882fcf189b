using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Payouts.Core.Lightning;
using Payouts.Simulators.Lightning;
using Payouts.Simulators.Lightning.Cln;
using Payouts.Simulators.Lightning.Lnurl;

namespace Payouts.Rails.Tests.LightningSimulators;

public sealed class LnurlPaySimulatorTests : IAsyncLifetime
{
    private readonly LightningNetworkSim _network = new();
    private LnurlPaySimulator _lnurl = null!;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    public async Task InitializeAsync()
    {
        _lnurl = await LnurlPaySimulator.Start(_network);
        _lnurl.AddUser("carol", minSendableMsat: 1_000, maxSendableMsat: 1_000_000);
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _lnurl.DisposeAsync();
    }

    private async Task<JsonNode> Get(string url) => JsonNode.Parse(await _http.GetStringAsync(url))!;

    [Fact]
    public async Task Over_https_the_lnurl_and_the_lightning_address_decode_with_payouts_core_and_resolve()
    {
        await using var lnurl = await LnurlPaySimulator.Start(_network, https: true);
        lnurl.AddUser("dave");
        using var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, cert, _, _) =>
                Convert.ToHexStringLower(SHA256.HashData(cert!.RawData)) == lnurl.CertThumbprint,
        };
        using var http = new HttpClient(handler);
        Assert.True(Lnurl.TryDecode(lnurl.LnurlFor("dave"), out var url, out var error), error);
        Assert.True(Lnurl.TryLightningAddressUrl(lnurl.LightningAddress("dave"), out var addressUrl, out error), error);
        var viaLnurl = await http.GetStringAsync(url);
        Assert.Equal(viaLnurl, await http.GetStringAsync(addressUrl));
        Assert.Equal("payRequest", (string?)JsonNode.Parse(viaLnurl)!["tag"]);
    }

    [Fact]
    public async Task Each_callback_issues_a_fresh_invoice_committing_to_the_metadata_and_only_the_paid_one_is_paid()
    {
        var payRequest = await Get(new Uri(_lnurl.BaseUrl, "lnurlp/carol").ToString());
        Assert.Equal("payRequest", (string?)payRequest["tag"]);
        Assert.Equal(payRequest.ToJsonString(), (await Get(new Uri(_lnurl.BaseUrl, ".well-known/lnurlp/carol").ToString())).ToJsonString());
        var metadataHash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes((string)payRequest["metadata"]!)));
        var callback = (string)payRequest["callback"]!;

        var first = Bolt11Invoice.Parse((string)(await Get(callback + "?amount=21000"))["pr"]!);
        var second = Bolt11Invoice.Parse((string)(await Get(callback + "?amount=21000"))["pr"]!);

        Assert.NotEqual(first.PaymentHash, second.PaymentHash);
        Assert.All(new[] { first, second }, i =>
        {
            Assert.Equal(21_000, i.AmountMsat);
            Assert.Equal(metadataHash, i.DescriptionHash);
            Assert.Equal(_network.Payee("carol").PubKey, i.PayeePubKey);
        });
        Assert.Equal([first.PaymentHash, second.PaymentHash], _lnurl.InvoicesIssued("carol").Select(i => i.PaymentHash));

        await using var cln = await ClnSimulator.Start(_network);
        using var client = await ClnSocketClient.Connect(cln.SocketPath);
        Assert.NotNull((await client.Call("pay", new JsonObject { ["bolt11"] = second.Text }))["result"]);
        Assert.Equal(second.PaymentHash, Assert.Single(_lnurl.PaidInvoices("carol")).PaymentHash);
    }

    [Fact]
    public async Task An_amount_out_of_range_is_an_lnurl_error()
    {
        var callback = new Uri(_lnurl.BaseUrl, "lnurlp/carol/callback").ToString();
        var tooMuch = await Get(callback + "?amount=2000000");
        Assert.Equal("ERROR", (string?)tooMuch["status"]);
        Assert.Equal("Amount out of range", (string?)tooMuch["reason"]);
        Assert.Empty(_lnurl.InvoicesIssued("carol"));
    }

    [Fact]
    public async Task A_misbehaving_user_lies_as_configured()
    {
        var callback = new Uri(_lnurl.BaseUrl, "lnurlp/carol/callback?amount=5000").ToString();
        _lnurl.SetMisbehavior("carol", new LnurlMisbehavior { ExtraAmountMsat = 1_000, WrongDescriptionHash = true, OtherNetwork = true });
        var lie = Bolt11Invoice.Parse((string)(await Get(callback))["pr"]!);
        Assert.Equal(6_000, lie.AmountMsat);
        Assert.Equal(Core.Bitcoin.BitcoinNetwork.Mainnet, lie.Network);
        Assert.NotEqual(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(_lnurl.Metadata("carol")))), lie.DescriptionHash);

        _lnurl.SetMisbehavior("carol", new LnurlMisbehavior { ExpiredInvoice = true });
        Assert.True(Bolt11Invoice.Parse((string)(await Get(callback))["pr"]!).IsExpired(DateTimeOffset.UtcNow));

        _lnurl.SetMisbehavior("carol", new LnurlMisbehavior { Http500 = true });
        using var failed = await _http.GetAsync(callback);
        Assert.Equal(500, (int)failed.StatusCode);

        _lnurl.SetMisbehavior("carol", new LnurlMisbehavior { ErrorReason = "Wallet offline" });
        Assert.Equal("Wallet offline", (string?)(await Get(callback))["reason"]);
    }
}
