using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Payouts.Core.Bitcoin;
using Payouts.Core.Lightning;
using Payouts.Core.Sending;
using Payouts.Rails.Lightning;

namespace Payouts.Rails.Tests.Lightning;

/// <summary>
/// Answers no simulator gives on its own: a success whose preimage does not match, and Core Lightning reporting a failed
/// pay while listpays still shows the hash pending or paid (a retry of a hash that failed before). Each would let a payout
/// be completed without proof, or be sent again while its money may still arrive.
/// </summary>
public sealed class LightningNodeAnswerTests
{
    private static readonly CancellationToken Ct = CancellationToken.None;
    private static readonly byte[] Preimage = RandomNumberGenerator.GetBytes(32);
    private static readonly string Hash = Convert.ToHexStringLower(SHA256.HashData(Preimage));
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());

    private static LightningPayRequest Request => new("lnbcrt1invoice", Hash, null, 1_000, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));

    [Theory]
    [InlineData("wrong")]
    [InlineData("missing")]
    public async Task ASuccessWithoutAPreimageOfTheHashIsUnknownNeverCompleted(string preimage)
    {
        var node = new AnsweringNode(new LightningPayment(LightningPaymentStatus.Succeeded, Hash,
            preimage == "wrong" ? Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)) : null, 0));
        var rail = new LightningRail(node, Settings(), new LnurlPayResolver(new HttpClient(), new LnurlOptions()), TimeProvider.System);
        var attempt = Committed(await rail.Prepare(Attempt(), LnAttempts.Processor(), Ct));

        Assert.IsType<SendOutcome.Unknown>((await rail.Execute(attempt, Ct))["p1"]);
        Assert.IsType<SendOutcome.Unknown>((await rail.Status(attempt, Ct))["p1"]);

        node.Answer = node.Answer with { Preimage = Convert.ToHexStringLower(Preimage) };
        Assert.IsType<SendOutcome.Succeeded>((await rail.Status(attempt, Ct))["p1"]);
    }

    [Theory]
    [InlineData("pending", LightningPaymentStatus.InFlight)]
    [InlineData("complete", LightningPaymentStatus.Succeeded)]
    public async Task ClnPayGivingUpWhileListpaysShowsTheHashAliveIsNotAFailure(string alive, LightningPaymentStatus expected)
    {
        // An earlier pay of this hash failed (its group stays "failed"); this one gave up with 210 but a part is still out,
        // or arrived after all. Only listpays knows, and a failed group beside it must not hide that.
        var rpc = new ScriptedCln(payError: (ClnRpcException.PayStoppedRetrying, "Ran out of time"),
            pays: [Pay("failed"), Pay(alive)]);
        var node = new ClnNode(rpc, "CLN");

        var paid = await node.Pay(Request, Ct);
        var tracked = await node.Track(Hash, Ct);

        Assert.Equal(expected, paid.Status);
        Assert.Equal(expected, tracked!.Status);
        Assert.Equal(["pay", "listpays", "listpays"], rpc.Calls);
    }

    [Fact]
    public async Task ClnPayGivingUpWithEveryGroupFailedIsAFailure()
    {
        var rpc = new ScriptedCln(payError: (ClnRpcException.PayRouteNotFound, "Ran out of routes to try"), pays: [Pay("failed"), Pay("failed")]);

        var paid = await new ClnNode(rpc, "CLN").Pay(Request, Ct);

        Assert.Equal(LightningPaymentStatus.Failed, paid.Status);
        Assert.Contains("Ran out of routes", paid.FailureReason, StringComparison.Ordinal);
    }

    private static JsonObject Pay(string status)
    {
        var pay = new JsonObject { ["payment_hash"] = Hash, ["status"] = status, ["amount_msat"] = 150_000L, ["amount_sent_msat"] = 150_100L };
        if (status == "complete") pay["preimage"] = Convert.ToHexStringLower(Preimage);
        return pay;
    }

    private static LightningRailSettings Settings()
    {
        Assert.True(RailConnectionString.TryParse("type=lnd-rest;server=http://127.0.0.1:1;macaroon=00", out var cs, out _));
        Assert.True(LightningRailSettings.TryCreate(cs, "regtest", new LightningSending { PaymentTimeoutSeconds = 1 }, out var s, out _));
        return s!;
    }

    private static SendAttempt Attempt()
    {
        var invoice = Bolt11Encoder.Encode(new Bolt11Draft(BitcoinNetwork.Regtest, 150_000, Now, Convert.FromHexString(Hash),
            RandomNumberGenerator.GetBytes(32), "payout", null, TimeSpan.FromHours(1)), RandomNumberGenerator.GetBytes(32));
        return LnAttempts.Attempt((invoice, 150_000));
    }

    private static SendAttempt Committed(PrepareResult prepared)
    {
        Assert.Empty(prepared.Rejected);
        return LnAttempts.Commit(Attempt() with { }, prepared) is var a && a.Payouts.All(p => p.Reference == Hash) ? a
            : throw new InvalidOperationException("the attempt was not committed with the invoice's hash");
    }

    /// <summary>A node that answers every pay and track with one payment.</summary>
    private sealed class AnsweringNode(LightningPayment answer) : ILightningNode
    {
        public LightningPayment Answer { get; set; } = answer;
        public Task<LightningPayment> Pay(LightningPayRequest request, CancellationToken ct) => Task.FromResult(Answer);
        public Task<LightningPayment?> Track(string paymentHash, CancellationToken ct) => Task.FromResult<LightningPayment?>(Answer);
        public Task<LightningNodeInfo> GetInfo(CancellationToken ct) => throw new NotSupportedException();
    }

    /// <summary>lightningd's answers, scripted: pay fails with one error, listpays lists these groups.</summary>
    private sealed class ScriptedCln((int Code, string Message) payError, IReadOnlyList<JsonObject> pays) : IClnTransport
    {
        public List<string> Calls { get; } = [];

        public Task<JsonNode> Call(string method, JsonObject parameters, TimeSpan timeout, CancellationToken ct)
        {
            Calls.Add(method);
            return method switch
            {
                "pay" => throw new ClnRpcException(method, payError.Code, payError.Message, null),
                "listpays" => Task.FromResult<JsonNode>(new JsonObject { ["pays"] = new JsonArray(pays.Select(p => (JsonNode)p.DeepClone()).ToArray()) }),
                _ => throw new ClnRpcException(method, ClnRpcException.MethodNotFound, "Unknown command", null),
            };
        }
    }
}
