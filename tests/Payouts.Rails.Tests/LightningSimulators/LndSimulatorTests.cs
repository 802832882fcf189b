using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Payouts.Simulators.Lightning;
using Payouts.Simulators.Lightning.Lnd;

namespace Payouts.Rails.Tests.LightningSimulators;

public sealed class LndSimulatorTests : IAsyncLifetime
{
    private readonly LightningNetworkSim _network = new();
    private LndSimulator _lnd = null!;
    private SimPayee _alice = null!;

    public async Task InitializeAsync()
    {
        _alice = _network.AddPayee("alice");
        _lnd = await LndSimulator.Start(_network);
    }

    public async Task DisposeAsync() => await _lnd.DisposeAsync();

    [Fact]
    public async Task Send_streams_in_flight_then_succeeded_and_the_payee_settles_once()
    {
        var bolt11 = _network.CreateInvoice(_alice, 50_000, description: "payout");
        using var client = new LndTestClient(_lnd);
        using var stream = await client.Send(bolt11);

        Assert.Equal(200, stream.Status);
        var first = (await stream.Next())!["result"]!;
        Assert.Equal("IN_FLIGHT", (string?)first["status"]);
        Assert.Equal("50", (string?)first["value_sat"]);
        var last = (await stream.Next())!["result"]!;
        Assert.Equal("SUCCEEDED", (string?)last["status"]);
        Assert.Equal("FAILURE_REASON_NONE", (string?)last["failure_reason"]);
        var hash = (string)last["payment_hash"]!;
        Assert.Equal(hash, Convert.ToHexStringLower(SHA256.HashData(Convert.FromHexString((string)last["payment_preimage"]!))));
        Assert.Null(await stream.Next());

        var settled = Assert.Single(_network.PaymentsSettled(hash));
        Assert.Equal(_lnd.IdentityPubKey, settled.FromNode);
        _network.AssertNoDoublePayment();
        var (_, balance) = await client.Get("v1/balance/channels");
        Assert.Equal((10_000_000_000L - 50_000).ToString(), (string?)balance["local_balance"]!["msat"]);
    }

    [Fact]
    public async Task A_second_send_of_a_paid_hash_is_refused_with_already_exists()
    {
        var bolt11 = _network.CreateInvoice(_alice, 10_000, description: "x");
        using var client = new LndTestClient(_lnd);
        using (var first = await client.Send(bolt11, noInflight: true))
            Assert.Equal("SUCCEEDED", (string?)(await first.Next())!["result"]!["status"]);

        using var again = await client.Send(bolt11);
        Assert.Equal(409, again.Status);
        var error = (await again.Next())!["error"]!;
        Assert.Equal(6, (int)error["code"]!);
        Assert.Equal("invoice is already paid", (string?)error["message"]);
        Assert.Single(_network.Ledger);
    }

    [Fact]
    public async Task A_held_payment_is_in_transition_survives_a_restart_and_tracks_to_its_end()
    {
        var bolt11 = _network.CreateInvoice(_alice, 20_000, description: "held");
        var hash = Core.Lightning.Bolt11Invoice.Parse(bolt11).PaymentHash;
        _network.SetBehavior(hash, PaymentBehavior.Hold());
        using var client = new LndTestClient(_lnd);
        using (var send = await client.Send(bolt11))
            Assert.Equal("IN_FLIGHT", (string?)(await send.Next())!["result"]!["status"]);

        using (var twice = await client.Send(bolt11))
            Assert.Equal("payment is in transition", (string?)(await twice.Next())!["error"]!["message"]);

        await _lnd.Restart();
        using var track = await client.Track(LndTestClient.Base64Url(hash));
        Assert.Equal(200, track.Status);
        Assert.Equal("IN_FLIGHT", (string?)(await track.Next())!["result"]!["status"]);
        Assert.True(_network.Settle(hash));
        Assert.Equal("SUCCEEDED", (string?)(await track.Next())!["result"]!["status"]);
        Assert.Single(_network.PaymentsSettled(hash));
    }

    [Fact]
    public async Task Track_of_an_unknown_hash_is_404_not_initiated_and_hex_is_accepted_too()
    {
        using var client = new LndTestClient(_lnd);
        var unknown = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        foreach (var segment in new[] { LndTestClient.Base64Url(unknown), unknown })
        {
            using var track = await client.Track(segment);
            Assert.Equal(404, track.Status);
            var error = (await track.Next())!["error"]!;
            Assert.Equal(5, (int)error["code"]!);
            Assert.Equal("payment isn't initiated", (string?)error["message"]);
        }
    }

    [Fact]
    public async Task A_missing_or_wrong_macaroon_is_refused_with_500_code_2()
    {
        using var none = new LndTestClient(_lnd, macaroon: "");
        var (status, body) = await none.Get("v1/getinfo");
        Assert.Equal(500, status);
        Assert.Equal(2, (int)body["code"]!);
        Assert.Equal("expected 1 macaroon, got 0", (string?)body["message"]);

        using var wrong = new LndTestClient(_lnd, macaroon: "0201036c6e64");
        (status, body) = await wrong.Get("v1/getinfo");
        Assert.Equal(500, status);
        Assert.Equal("verification failed: signature mismatch after caveat verification", (string?)body["message"]);
        Assert.Empty(_network.Attempts);
    }

    [Fact]
    public async Task A_route_fee_above_the_limit_fails_with_no_route_and_the_invoice_can_be_paid_again()
    {
        var bolt11 = _network.CreateInvoice(_alice, 30_000, description: "fee");
        var hash = Core.Lightning.Bolt11Invoice.Parse(bolt11).PaymentHash;
        _network.SetBehavior(hash, PaymentBehavior.Succeed(routeFeeMsat: 2_000));
        using var client = new LndTestClient(_lnd);
        using (var cheap = await client.Send(bolt11, feeLimitMsat: 1_000, noInflight: true))
        {
            var failed = (await cheap.Next())!["result"]!;
            Assert.Equal("FAILED", (string?)failed["status"]);
            Assert.Equal("FAILURE_REASON_NO_ROUTE", (string?)failed["failure_reason"]);
        }
        using (var enough = await client.Send(bolt11, feeLimitMsat: 2_000, noInflight: true))
        {
            var paid = (await enough.Next())!["result"]!;
            Assert.Equal("SUCCEEDED", (string?)paid["status"]);
            Assert.Equal("2000", (string?)paid["fee_msat"]);
            Assert.Equal("2", (string?)paid["payment_index"]);
        }
        Assert.Equal(2, _lnd.PaymentsFor(hash).Count);
        Assert.Equal(2_000, _network.TotalFeesMsat);
    }

    [Fact]
    public async Task Sends_the_node_refuses_answer_an_error_chunk_with_lnds_message()
    {
        using var client = new LndTestClient(_lnd);
        var amountless = _network.CreateInvoice(_alice, null, description: "any");
        using (var s = await client.Send(amountless))
            Assert.Equal("amount must be specified when paying a zero amount invoice", (string?)(await s.Next())!["error"]!["message"]);
        var fixedAmount = _network.CreateInvoice(_alice, 1_000, description: "fixed");
        using (var s = await client.Send(fixedAmount, amtMsat: 1_000))
            Assert.Equal("amount must not be specified when paying a non-zero amount invoice", (string?)(await s.Next())!["error"]!["message"]);
        var mainnet = _network.CreateInvoice(_alice, 1_000, description: "main", network: Core.Bitcoin.BitcoinNetwork.Mainnet);
        using (var s = await client.Send(mainnet))
            Assert.Equal("invoice not for current active network 'regtest'", (string?)(await s.Next())!["error"]!["message"]);
        var expired = _network.CreateInvoice(_alice, 1_000, TimeSpan.FromMinutes(1), "old", timestamp: DateTimeOffset.UtcNow.AddHours(-1));
        using (var s = await client.Send(expired))
        {
            Assert.Equal(500, s.Status);
            Assert.StartsWith("invoice expired. Valid until ", (string?)(await s.Next())!["error"]!["message"]);
        }
        using (var s = await client.Send(fixedAmount, timeoutSeconds: 0))
            Assert.Equal("timeout_seconds must be specified", (string?)(await s.Next())!["error"]!["message"]);
        Assert.Empty(_network.Attempts);
    }

    [Fact]
    public async Task A_dropped_send_still_pays_and_the_client_sees_a_broken_connection()
    {
        var bolt11 = _network.CreateInvoice(_alice, 5_000, description: "drop");
        _lnd.DropAfterAccept("/v2/router/send");
        using var client = new LndTestClient(_lnd);
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => client.Send(bolt11));
        var hash = Core.Lightning.Bolt11Invoice.Parse(bolt11).PaymentHash;
        Assert.Equal(PaymentState.Succeeded, Assert.Single(_lnd.PaymentsFor(hash)).State);
        using var track = await client.Track(hash, noInflight: true);
        Assert.Equal("SUCCEEDED", (string?)(await track.Next())!["result"]!["status"]);
    }

    [Fact]
    public async Task Over_https_the_served_certificate_has_the_advertised_thumbprint()
    {
        await using var lnd = await LndSimulator.Start(_network, new LndSimulatorOptions { Https = true, Network = Core.Bitcoin.BitcoinNetwork.Signet });
        string? seen = null;
        using var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, cert, _, _) =>
            {
                seen = Convert.ToHexStringLower(SHA256.HashData(cert!.RawData));
                return true;
            },
        };
        using var http = new HttpClient(handler) { BaseAddress = lnd.BaseUrl };
        using var request = new HttpRequestMessage(HttpMethod.Get, "v1/getinfo");
        request.Headers.Add("Grpc-Metadata-macaroon", lnd.MacaroonHex);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var response = await http.SendAsync(request);
        var info = System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.Equal("https", lnd.BaseUrl.Scheme);
        Assert.Equal(lnd.CertThumbprint, seen);
        Assert.Equal("signet", (string?)info["chains"]![0]!["network"]);
        Assert.Equal(lnd.IdentityPubKey, (string?)info["identity_pubkey"]);
        Assert.Equal("0.18.3-beta commit=v0.18.3-beta", (string?)info["version"]);
    }
}
