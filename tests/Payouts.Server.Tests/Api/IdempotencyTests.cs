using System.Diagnostics;
using System.Net;
using System.Reflection;
using System.Runtime.ExceptionServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Primitives;
using Payouts.Contracts;
using Payouts.Core;
using Payouts.Core.Auth;
using Payouts.Core.Idempotency;
using Payouts.Core.Payouts;
using Payouts.Core.Ports;
using Payouts.Server.Tests.Support;
using Payouts.Storage;
using Xunit.Abstractions;
using static Payouts.Server.Tests.Support.Http;

namespace Payouts.Server.Tests.Api;

/// <summary>
/// The <c>Idempotency-Key</c> header over HTTP, on each engine: a retried request runs once and every retry gets the
/// first answer byte for byte; the same key with another request, while the first runs, or after its holder died,
/// gets what the IETF draft says. Key records are planted in the database directly to stage the in-flight,
/// abandoned and expired cases without waiting on the clock.
/// </summary>
public sealed class IdempotencyTests(ITestOutputHelper output)
{
    private const string Key = "order-4711";

    [Theory, MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task TwoHundredConcurrentRetriesCreateOnePayoutAndAllGetTheSameBytes(string engine)
    {
        // Goal: a client that fires one create 200 times at once with one key gets one payout, and 200 identical answers.
        // How: 200 tasks wait on one gate and are released together; the database must then hold one payout and one
        // event, every answer must be 200 with the same raw bytes, and exactly one must be the original (not replayed).
        const int Requests = 200;
        await using var node = await InProcessNode.Create(engine);
        using var admin = node.Admin();
        var storeId = await CreateStore(admin);
        var body = PayoutBody(Address(1));

        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tasks = Enumerable.Range(0, Requests).Select(_ => Task.Run(async () =>
        {
            await gate.Task;
            return await RawHttp.Post(admin, PayoutsPath(storeId), body, Key);
        })).ToList();
        var clock = Stopwatch.StartNew();
        gate.SetResult();
        var answers = await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromMinutes(2));
        clock.Stop();
        output.WriteLine($"{engine}: {Requests} concurrent requests with one Idempotency-Key answered in {clock.ElapsedMilliseconds} ms");

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.Status));
        var original = Assert.Single(answers, a => !a.Replayed);
        Assert.Equal(Requests - 1, answers.Count(a => a.Replayed));
        Assert.All(answers, a => Assert.Equal(original.Body, a.Body));
        Assert.All(answers, a => Assert.Equal(original.ContentType, a.ContentType));

        var counts = await node.Probe().CountAll();
        Assert.Equal(1, counts.Payouts);
        Assert.Equal(1, counts.Events);
        var payoutId = original.Json["id"]!.GetValue<string>();
        Assert.Equal(("AwaitingApproval", 0), await node.Probe().Payout(payoutId));
        Assert.Equal(Address(1), original.Json["destination"]!.GetValue<string>());
    }

    [Theory, MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task RetryReplaysTheAnswerAndAnotherRequestWithTheKeyIsRefused(string engine)
    {
        await using var node = await InProcessNode.Create(engine);
        using var admin = node.Admin();
        var storeId = await CreateStore(admin);

        var first = await RawHttp.Post(admin, PayoutsPath(storeId), PayoutBody(Address(1)), Key);
        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.False(first.Replayed);

        AssertReplayOf(first, await RawHttp.Post(admin, PayoutsPath(storeId), PayoutBody(Address(1)), Key));

        // Another body, or the same body on another endpoint, is another request: the key is spent.
        var otherBody = await RawHttp.Post(admin, PayoutsPath(storeId), PayoutBody(Address(2)), Key);
        Assert.Equal((HttpStatusCode.UnprocessableEntity, "idempotency-key-reused", false), (otherBody.Status, otherBody.Code, otherBody.Replayed));
        var otherAmount = await RawHttp.Post(admin, PayoutsPath(storeId), PayoutBody(Address(1), amount: "0.002"), Key);
        Assert.Equal((HttpStatusCode.UnprocessableEntity, "idempotency-key-reused"), (otherAmount.Status, otherAmount.Code));
        var otherPath = await RawHttp.Post(admin, $"/api/v1/stores/{storeId}/payouts/bulk", $"[{PayoutBody(Address(1))}]", Key);
        Assert.Equal((HttpStatusCode.UnprocessableEntity, "idempotency-key-reused"), (otherPath.Status, otherPath.Code));

        var counts = await node.Probe().CountAll();
        Assert.Equal((1, 1), (counts.Payouts, counts.Events));
    }

    [Theory, MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task KeysAreScopedPerApiKey(string engine)
    {
        // Goal: two API keys that happen to pick the same Idempotency-Key do not see each other's answers.
        // How: the second key sends the first key's exact request with the same Idempotency-Key. Had it been
        // replayed it would be the first key's 200; it runs instead, and is refused as a duplicate destination.
        await using var node = await InProcessNode.Create(engine);
        using var admin = node.Admin();
        var storeId = await CreateStore(admin);
        using var other = await SecondAdmin(node);

        var first = await RawHttp.Post(admin, PayoutsPath(storeId), PayoutBody(Address(1)), Key);
        Assert.Equal(HttpStatusCode.OK, first.Status);

        var theirs = await RawHttp.Post(other, PayoutsPath(storeId), PayoutBody(Address(1)), Key);
        Assert.Equal((HttpStatusCode.BadRequest, "duplicate-destination", false), (theirs.Status, theirs.Code, theirs.Replayed));
        // Its own record now answers its retries, an error included, while the first key keeps its own.
        var theirRetry = await RawHttp.Post(other, PayoutsPath(storeId), PayoutBody(Address(1)), Key);
        AssertReplayOf(theirs, theirRetry);
        var ourRetry = await RawHttp.Post(admin, PayoutsPath(storeId), PayoutBody(Address(1)), Key);
        AssertReplayOf(first, ourRetry);

        // With another body it creates under its own scope, where the first key's record does not exist.
        var created = await RawHttp.Post(other, PayoutsPath(storeId), PayoutBody(Address(2)), "their-own-key");
        Assert.Equal(HttpStatusCode.OK, created.Status);
        Assert.Equal(2, (await node.Probe().CountAll()).Payouts);
        Assert.Equal(3, await KeyTable.Count(node));
    }

    [Theory, MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task ValidationErrorsAreStoredAndReplayed(string engine)
    {
        await using var node = await InProcessNode.Create(engine);
        using var admin = node.Admin();
        var storeId = await CreateStore(admin);

        var refused = await RawHttp.Post(admin, PayoutsPath(storeId), PayoutBody(Address(1), amount: "ten"), Key);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.Status);
        Assert.Equal(new[] { "amount" }, refused.Paths);
        var again = await RawHttp.Post(admin, PayoutsPath(storeId), PayoutBody(Address(1), amount: "ten"), Key);
        AssertReplayOf(refused, again);

        // The key answered; fixing the body needs a new key (IETF draft: same key, other payload → 422).
        var fixedBody = await RawHttp.Post(admin, PayoutsPath(storeId), PayoutBody(Address(1)), Key);
        Assert.Equal((HttpStatusCode.UnprocessableEntity, "idempotency-key-reused"), (fixedBody.Status, fixedBody.Code));
        Assert.Equal(0, (await node.Probe().CountAll()).Payouts);
    }

    [Theory, MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task ServerErrorIsNotStoredSoTheRetryRuns(string engine)
    {
        // Goal: a 5xx is not an answer; the client's retry with the same key must run the request.
        // How: the payouts store is wrapped to throw once on PayoutCreate (a database hiccup); the first request gets
        // 503 and leaves no key record, the retry creates the payout, and the next retry replays that.
        await using var node = await InProcessNode.Create(engine);
        var failing = node.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton<IPayoutsStore>(sp =>
            FailOnce.Wrap<IPayoutsStore>(new SqlPayoutsStore(sp.GetRequiredService<Database>()), nameof(IPayoutsStore.PayoutCreate),
                () => throw new InvalidOperationException("injected: the database went away")))));
        using var admin = failing.CreateClient();
        admin.DefaultRequestHeaders.Add("Authorization", $"token {AdminKey.Secret}");
        var storeId = await CreateStore(admin);

        var failed = await RawHttp.Post(admin, PayoutsPath(storeId), PayoutBody(Address(1)), Key);
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "service-unavailable"), (failed.Status, failed.Code));
        Assert.Equal(0, await KeyTable.Count(node));
        Assert.Equal(0, (await node.Probe().CountAll()).Payouts);

        var retry = await RawHttp.Post(admin, PayoutsPath(storeId), PayoutBody(Address(1)), Key);
        Assert.Equal((HttpStatusCode.OK, false), (retry.Status, retry.Replayed));
        var replay = await RawHttp.Post(admin, PayoutsPath(storeId), PayoutBody(Address(1)), Key);
        Assert.Equal((HttpStatusCode.OK, true), (replay.Status, replay.Replayed));
        Assert.Equal(retry.Body, replay.Body);
        Assert.Equal(1, (await node.Probe().CountAll()).Payouts);
    }

    [Theory, MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task ServiceUnavailableAnswerIsNotStoredSoTheRetryRuns(string engine)
    {
        // As above, but the 503 is a handler's answer rather than an exception: the claim's store call reports the
        // database unavailable once. The anonymous claim's retry with the same key must run and create the payout.
        await using var node = await InProcessNode.Create(engine);
        var failing = node.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton<IPayoutsStore>(sp =>
            FailOnce.Wrap<IPayoutsStore>(new SqlPayoutsStore(sp.GetRequiredService<Database>()), nameof(IPayoutsStore.PayoutCreateClaim),
                () => Task.FromResult<Result<Payout>>(Failure.Of(ErrorCode.ServiceUnavailable))))));
        using var admin = failing.CreateClient();
        admin.DefaultRequestHeaders.Add("Authorization", $"token {AdminKey.Secret}");
        using var anonymous = failing.CreateClient();
        var ppId = await PullPayment(admin, await CreateStore(admin));
        var path = $"/api/v1/pull-payments/{ppId}/payouts";
        var body = $$"""{"destination":"{{Address(1)}}","amount":"0.001","payoutMethodId":"BTC-CHAIN"}""";

        var failed = await RawHttp.Post(anonymous, path, body, Key);
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "service-unavailable"), (failed.Status, failed.Code));
        Assert.Equal(0, await KeyTable.Count(node));

        var retry = await RawHttp.Post(anonymous, path, body, Key);
        Assert.Equal((HttpStatusCode.OK, false), (retry.Status, retry.Replayed));
        AssertReplayOf(retry, await RawHttp.Post(anonymous, path, body, Key));
        Assert.Equal(1, (await node.Probe().CountAll()).Payouts);
    }

    [Theory, MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task KeyHeldByAnotherRequestIsRefusedAtOnce(string engine)
    {
        // A running record for another request: refused without waiting, whether its holder is alive or not.
        await using var node = await InProcessNode.Create(engine);
        using var admin = node.Admin();
        var storeId = await CreateStore(admin);
        var scope = await KeyTable.AdminScope(node);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await KeyTable.Insert(node, scope, "live", "another-fingerprint", "running", leaseUntilMs: now + 3_600_000, expiresAtMs: now + 86_400_000);
        await KeyTable.Insert(node, scope, "dead", "another-fingerprint", "running", leaseUntilMs: now - 60_000, expiresAtMs: now + 86_400_000);

        foreach (var key in new[] { "live", "dead" })
        {
            var clock = Stopwatch.StartNew();
            var answer = await RawHttp.Post(admin, PayoutsPath(storeId), PayoutBody(Address(1)), key);
            Assert.Equal((HttpStatusCode.UnprocessableEntity, "idempotency-key-reused", false), (answer.Status, answer.Code, answer.Replayed));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"{key}: refused only after {clock.Elapsed}");
        }
        Assert.Equal(0, (await node.Probe().CountAll()).Payouts);
    }

    [Theory, MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task RetryWhileTheFirstRunsWaitsForItsAnswer(string engine)
    {
        // Goal: a retry that arrives while the first request still runs gets the first request's answer.
        // How: a running record with the retry's fingerprint stands for the first request. The idempotency store is
        // wrapped to signal when the retry has been told "in flight"; only then is the record completed, with bytes
        // no handler would produce. The retry must answer exactly those bytes, and create nothing.
        await using var node = await InProcessNode.Create(engine);
        var inFlight = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var watched = node.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton<IIdempotencyStore>(sp =>
            new SignalingIdempotencyStore(new SqlIdempotencyStore(sp.GetRequiredService<Database>()), inFlight))));
        using var admin = watched.CreateClient();
        admin.DefaultRequestHeaders.Add("Authorization", $"token {AdminKey.Secret}");
        var storeId = await CreateStore(admin);
        var scope = await KeyTable.AdminScope(node);
        var body = PayoutBody(Address(1));
        var lease = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeMilliseconds();
        await KeyTable.Insert(node, scope, Key, KeyTable.Fingerprint("POST", PayoutsPath(storeId), body), "running",
            leaseUntilMs: lease, expiresAtMs: lease + 86_400_000);

        var retry = RawHttp.Post(admin, PayoutsPath(storeId), body, Key);
        await inFlight.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var firstAnswer = """{"answer":"of the first request"}"""u8.ToArray();
        var store = watched.Services.GetRequiredService<IIdempotencyStore>();
        Assert.True(await store.IdempotencyComplete(new IdempotencyCompletion(scope, Key, lease, 200, "application/json; charset=utf-8", firstAnswer), default));

        var answer = await retry.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal((HttpStatusCode.OK, true), (answer.Status, answer.Replayed));
        Assert.Equal(firstAnswer, answer.Body);
        Assert.Equal(0, (await node.Probe().CountAll()).Payouts);
    }

    [Theory, MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task RetryWhileTheFirstStillRunsAfterTenSecondsIsRefusedWith409(string engine)
    {
        // The one test that waits on the wall clock: the middleware waits 10 s for the first request before 409.
        await using var node = await InProcessNode.Create(engine);
        using var admin = node.Admin();
        var storeId = await CreateStore(admin);
        var scope = await KeyTable.AdminScope(node);
        var body = PayoutBody(Address(1));
        var lease = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeMilliseconds();
        await KeyTable.Insert(node, scope, Key, KeyTable.Fingerprint("POST", PayoutsPath(storeId), body), "running",
            leaseUntilMs: lease, expiresAtMs: lease + 86_400_000);

        var clock = Stopwatch.StartNew();
        var answer = await RawHttp.Post(admin, PayoutsPath(storeId), body, Key);
        clock.Stop();

        Assert.Equal((HttpStatusCode.Conflict, "idempotency-key-in-use", false), (answer.Status, answer.Code, answer.Replayed));
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(10), $"answered 409 after only {clock.Elapsed}");
        Assert.Equal(0, (await node.Probe().CountAll()).Payouts);
        // The first request's hold is untouched: it can still store its answer.
        var store = node.Services.GetRequiredService<IIdempotencyStore>();
        Assert.True(await store.IdempotencyComplete(new IdempotencyCompletion(scope, Key, lease, 200, "application/json", [1, 2, 3]), default));
    }

    [Theory, MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task KeyWhoseHolderDiedIsTakenOverAndTheRequestRuns(string engine)
    {
        // A running record with this request's fingerprint and a lease in the past: its node died mid-request.
        await using var node = await InProcessNode.Create(engine);
        using var admin = node.Admin();
        var storeId = await CreateStore(admin);
        var scope = await KeyTable.AdminScope(node);
        var body = PayoutBody(Address(1));
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await KeyTable.Insert(node, scope, Key, KeyTable.Fingerprint("POST", PayoutsPath(storeId), body), "running",
            leaseUntilMs: now - 1_000, expiresAtMs: now + 86_400_000);

        var answer = await RawHttp.Post(admin, PayoutsPath(storeId), body, Key);
        Assert.Equal((HttpStatusCode.OK, false), (answer.Status, answer.Replayed));
        Assert.Equal(1, (await node.Probe().CountAll()).Payouts);

        var retry = await RawHttp.Post(admin, PayoutsPath(storeId), body, Key);
        Assert.Equal((HttpStatusCode.OK, true), (retry.Status, retry.Replayed));
        Assert.Equal(answer.Body, retry.Body);
        Assert.Equal(1, (await node.Probe().CountAll()).Payouts);
    }

    [Theory, MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task ExpiredKeyCanBeUsedForANewRequest(string engine)
    {
        await using var node = await InProcessNode.Create(engine);
        using var admin = node.Admin();
        var storeId = await CreateStore(admin);
        var scope = await KeyTable.AdminScope(node);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var old = """{"old":"answer"}"""u8.ToArray();
        await KeyTable.Insert(node, scope, Key, "fingerprint-of-an-old-request", "done", leaseUntilMs: now - 8 * 86_400_000L,
            expiresAtMs: now - 1, status: 200, contentType: "application/json", body: old);

        var answer = await RawHttp.Post(admin, PayoutsPath(storeId), PayoutBody(Address(1)), Key);
        Assert.Equal((HttpStatusCode.OK, false), (answer.Status, answer.Replayed));
        Assert.NotEqual(old, answer.Body);
        Assert.Equal(1, (await node.Probe().CountAll()).Payouts);

        var retry = await RawHttp.Post(admin, PayoutsPath(storeId), PayoutBody(Address(1)), Key);
        Assert.Equal((HttpStatusCode.OK, true), (retry.Status, retry.Replayed));
        Assert.Equal(answer.Body, retry.Body);
        Assert.Equal(1, await KeyTable.Count(node));
    }

    public static TheoryData<string, string> InvalidKeys()
    {
        var data = new TheoryData<string, string>();
        foreach (var engine in Engines.All)
            foreach (var name in InvalidKeyValues.Keys)
                data.Add(engine, name);
        return data;
    }

    private static readonly Dictionary<string, string[]> InvalidKeyValues = new()
    {
        ["empty"] = [""],
        ["256 characters"] = [new string('k', 256)],
        ["space"] = ["order 4711"],
        ["tab"] = ["order\t4711"],
        ["non-ASCII"] = ["commande-é"],
        ["DEL"] = ["order\u007f"],
        ["two values"] = ["order-1", "order-2"],
        ["two equal values"] = ["order-1", "order-1"],
    };

    [Theory, MemberData(nameof(InvalidKeys))]
    public async Task MalformedKeyIsRefusedAndNothingRuns(string engine, string name)
    {
        await using var node = await InProcessNode.Create(engine);
        using var admin = node.Admin();
        var storeId = await CreateStore(admin);

        // Straight into the pipeline: HttpClient would drop an empty header value before the server saw it.
        var context = await node.Server.SendAsync(c =>
        {
            var body = Encoding.UTF8.GetBytes(PayoutBody(Address(1)));
            c.Request.Method = "POST";
            c.Request.Path = PayoutsPath(storeId);
            c.Request.Headers.Authorization = $"token {AdminKey.Secret}";
            c.Request.Headers[RawHttp.IdempotencyKey] = new StringValues(InvalidKeyValues[name]);
            c.Request.ContentType = "application/json";
            c.Request.ContentLength = body.Length;
            c.Request.Body = new MemoryStream(body);
        });
        using var reader = new StreamReader(context.Response.Body);
        var answer = JsonNode.Parse(await reader.ReadToEndAsync())!;

        Assert.Equal(StatusCodes.Status400BadRequest, context.Response.StatusCode);
        Assert.Equal("invalid-idempotency-key", answer["code"]!.GetValue<string>());
        Assert.Equal(0, (await node.Probe().CountAll()).Payouts);
        Assert.Equal(0, await KeyTable.Count(node));
    }

    [Theory, MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task LongestAndOddestValidKeysAreAccepted(string engine)
    {
        await using var node = await InProcessNode.Create(engine);
        using var admin = node.Admin();
        var storeId = await CreateStore(admin);
        string[] keys = [new string('k', 255), "!", "~\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", "550e8400-e29b-41d4-a716-446655440000"];

        for (var i = 0; i < keys.Length; i++)
        {
            var answer = await RawHttp.Post(admin, PayoutsPath(storeId), PayoutBody(Address(i)), keys[i]);
            Assert.Equal((HttpStatusCode.OK, false), (answer.Status, answer.Replayed));
            var retry = await RawHttp.Post(admin, PayoutsPath(storeId), PayoutBody(Address(i)), keys[i]);
            Assert.Equal((HttpStatusCode.OK, true), (retry.Status, retry.Replayed));
            Assert.Equal(answer.Body, retry.Body);
        }
        Assert.Equal(keys.Length, (await node.Probe().CountAll()).Payouts);
        Assert.Equal(keys.Length, await KeyTable.Count(node));
    }

    [Theory, MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task StoreCreateReplaysTheSameStore(string engine)
    {
        await using var node = await InProcessNode.Create(engine);
        using var admin = node.Admin();

        var first = await RawHttp.Post(admin, "/api/v1/stores", """{"name":"My shop"}""", Key);
        var retry = await RawHttp.Post(admin, "/api/v1/stores", """{"name":"My shop"}""", Key);

        Assert.Equal((HttpStatusCode.OK, false), (first.Status, first.Replayed));
        Assert.Equal((HttpStatusCode.OK, true), (retry.Status, retry.Replayed));
        Assert.Equal(first.Body, retry.Body);
        var storeId = first.Json["id"]!.GetValue<string>();
        Assert.Equal("My shop", (await Get(admin, $"/api/v1/stores/{storeId}"))["name"]!.GetValue<string>());
        Assert.Equal(1, (await node.Probe().CountAll()).Stores);
    }

    [Theory, MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task ApproveReplaysItsAnswerThoughApprovingAgainWouldBeRefused(string engine)
    {
        await using var node = await InProcessNode.Create(engine);
        using var admin = node.Admin();
        var storeId = await CreateStore(admin);
        var payoutId = (await CreatePayout(admin, storeId, Address(1)))["id"]!.GetValue<string>();
        var path = $"{PayoutsPath(storeId)}/{payoutId}";

        var approved = await RawHttp.Post(admin, path, """{"revision":0}""", Key);
        Assert.Equal((HttpStatusCode.OK, false), (approved.Status, approved.Replayed));
        Assert.Equal("AwaitingPayment", approved.Json["state"]!.GetValue<string>());

        var again = await RawHttp.Post(admin, path, """{"revision":0}""");
        Assert.Equal(HttpStatusCode.BadRequest, again.Status);

        var retry = await RawHttp.Post(admin, path, """{"revision":0}""", Key);
        Assert.Equal((HttpStatusCode.OK, true), (retry.Status, retry.Replayed));
        Assert.Equal(approved.Body, retry.Body);
        Assert.Equal(2, (await node.Probe().Events(payoutId)).Count);
    }

    [Theory, MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task CancelReplaysItsAnswer(string engine)
    {
        await using var node = await InProcessNode.Create(engine);
        using var admin = node.Admin();
        var storeId = await CreateStore(admin);
        var payoutId = (await CreatePayout(admin, storeId, Address(1)))["id"]!.GetValue<string>();
        var path = $"{PayoutsPath(storeId)}/{payoutId}";

        var cancelled = await RawHttp.Delete(admin, path, Key);
        Assert.Equal((HttpStatusCode.OK, false), (cancelled.Status, cancelled.Replayed));
        Assert.Equal("Cancelled", cancelled.Json["state"]!.GetValue<string>());

        var retry = await RawHttp.Delete(admin, path, Key);
        Assert.Equal((HttpStatusCode.OK, true), (retry.Status, retry.Replayed));
        Assert.Equal(cancelled.Body, retry.Body);
        // A DELETE has no body; another payout's DELETE with the key is another request.
        var otherId = (await CreatePayout(admin, storeId, Address(2)))["id"]!.GetValue<string>();
        var other = await RawHttp.Delete(admin, $"{PayoutsPath(storeId)}/{otherId}", Key);
        Assert.Equal((HttpStatusCode.UnprocessableEntity, "idempotency-key-reused"), (other.Status, other.Code));
        Assert.Equal(("AwaitingApproval", 0), await node.Probe().Payout(otherId));
        Assert.Equal(2, (await node.Probe().Events(payoutId)).Count);
    }

    [Theory, MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task AnonymousClaimIsReplayedAndScopedToItsPullPayment(string engine)
    {
        await using var node = await InProcessNode.Create(engine);
        using var admin = node.Admin();
        using var anonymous = node.CreateClient();
        var storeId = await CreateStore(admin);
        var pp1 = await PullPayment(admin, storeId);
        var pp2 = await PullPayment(admin, storeId);
        var body = $$"""{"destination":"{{Address(1)}}","amount":"0.001","payoutMethodId":"BTC-CHAIN"}""";

        var claim = await RawHttp.Post(anonymous, $"/api/v1/pull-payments/{pp1}/payouts", body, Key);
        Assert.Equal((HttpStatusCode.OK, false), (claim.Status, claim.Replayed));
        var retry = await RawHttp.Post(anonymous, $"/api/v1/pull-payments/{pp1}/payouts", body, Key);
        Assert.Equal((HttpStatusCode.OK, true), (retry.Status, retry.Replayed));
        Assert.Equal(claim.Body, retry.Body);
        Assert.Equal(1, (await node.Probe().CountAll()).Payouts);

        // A stranger with another pull payment's link and the same key is not answered with this claim: it runs
        // (and is refused, the destination being taken in the store).
        var elsewhere = await RawHttp.Post(anonymous, $"/api/v1/pull-payments/{pp2}/payouts", body, Key);
        Assert.Equal((HttpStatusCode.BadRequest, "duplicate-destination", false), (elsewhere.Status, elsewhere.Code, elsewhere.Replayed));
        var scopes = await KeyTable.Scopes(node);
        string[] expected = [$"anonymous:/api/v1/pull-payments/{pp1}/payouts", $"anonymous:/api/v1/pull-payments/{pp2}/payouts"];
        Assert.Equal(expected.Order(StringComparer.Ordinal), scopes.Order(StringComparer.Ordinal));
    }

    [Theory, MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task GetIgnoresTheHeader(string engine)
    {
        await using var node = await InProcessNode.Create(engine);
        using var admin = node.Admin();
        var storeId = await CreateStore(admin);
        var payoutId = (await CreatePayout(admin, storeId, Address(1)))["id"]!.GetValue<string>();

        foreach (var key in new[] { Key, "not a valid key" })
            for (var i = 0; i < 2; i++)
            {
                var answer = await RawHttp.Send(admin, HttpMethod.Get, $"{PayoutsPath(storeId)}/{payoutId}", null, [key]);
                Assert.Equal((HttpStatusCode.OK, false), (answer.Status, answer.Replayed));
                Assert.Equal(payoutId, answer.Json["id"]!.GetValue<string>());
            }
        Assert.Equal(0, await KeyTable.Count(node));
    }

    /// <summary>A replay is the original answer exactly: status, content type and every byte of the body.</summary>
    private static void AssertReplayOf(RawAnswer original, RawAnswer replay)
    {
        Assert.False(original.Replayed);
        Assert.True(replay.Replayed);
        Assert.Equal(original.Status, replay.Status);
        Assert.Equal(original.ContentType, replay.ContentType);
        Assert.Equal(original.Body, replay.Body);
    }

    private static string PayoutsPath(string storeId) => $"/api/v1/stores/{storeId}/payouts";

    private static string PayoutBody(string destination, string amount = "0.001") =>
        JsonSerializer.Serialize(new { destination, amount, payoutMethodId = "BTC-CHAIN" });

    private static async Task<string> PullPayment(HttpClient admin, string storeId)
    {
        var pp = await Expect(await admin.PostAsync($"/api/v1/stores/{storeId}/pull-payments",
            Json("""{"name":"Refunds","amount":"0.01","currency":"BTC"}""")), HttpStatusCode.OK);
        return pp["id"]!.GetValue<string>();
    }

    /// <summary>A second server-admin key, made in the database: a client under it.</summary>
    private static async Task<HttpClient> SecondAdmin(InProcessNode node)
    {
        var secret = ApiKey.NewSecret();
        var key = new ApiKey(Ids.New(), ApiKey.Hash(secret), "second admin", [Permissions.ServerAdmin], Bootstrap: false, DateTimeOffset.UtcNow, null);
        await node.Services.GetRequiredService<IPayoutsStore>().ApiKeyCreate(key, null, default);
        var client = node.CreateClient();
        client.DefaultRequestHeaders.Add("Authorization", $"token {secret}");
        return client;
    }
}

/// <summary>Direct access to a node's <c>idempotency_keys</c> table, to plant and count records.</summary>
internal static class KeyTable
{
    private static Database Open(InProcessNode node) =>
        Database.Create(Database.TryParseProvider(node.Provider, out var p) ? p : throw new ArgumentException(node.Provider), node.ConnectionString);

    /// <summary>The scope of requests made with the bootstrap admin key (<see cref="AdminKey.Secret"/>); the node must have started.</summary>
    public static async Task<string> AdminScope(InProcessNode node)
    {
        await using var db = Open(node);
        await using var c = await db.Open(default);
        return "key:" + await c.QuerySingleAsync<string>("SELECT id FROM api_keys WHERE bootstrap = @yes", new { yes = true });
    }

    /// <summary>As the middleware computes it: SHA-256 over "METHOD\npath?query\n" and then the body bytes.</summary>
    public static string Fingerprint(string method, string pathAndQuery, string body) =>
        Convert.ToHexStringLower(SHA256.HashData([.. Encoding.UTF8.GetBytes($"{method}\n{pathAndQuery}\n"), .. Encoding.UTF8.GetBytes(body)]));

    public static async Task Insert(InProcessNode node, string scope, string key, string fingerprint, string state, long leaseUntilMs,
        long expiresAtMs, int? status = null, string? contentType = null, byte[]? body = null)
    {
        await using var db = Open(node);
        await using var c = await db.Open(default);
        await c.ExecuteAsync("""
            INSERT INTO idempotency_keys (scope, key, fingerprint, state, lease_until_ms, status_code, content_type, body, created_at_ms, expires_at_ms)
            VALUES (@scope, @key, @fingerprint, @state, @leaseUntilMs, @status, @contentType, @body, @createdAtMs, @expiresAtMs)
            """, new { scope, key, fingerprint, state, leaseUntilMs, status, contentType, body, createdAtMs = leaseUntilMs - 60_000, expiresAtMs });
    }

    public static async Task<long> Count(InProcessNode node)
    {
        await using var db = Open(node);
        await using var c = await db.Open(default);
        return await c.ExecuteScalarAsync<long>("SELECT count(*) FROM idempotency_keys");
    }

    public static async Task<IReadOnlyList<string>> Scopes(InProcessNode node)
    {
        await using var db = Open(node);
        await using var c = await db.Open(default);
        return (await c.QueryAsync<string>("SELECT scope FROM idempotency_keys")).ToList();
    }
}

/// <summary>Wraps an <see cref="IIdempotencyStore"/> to signal the first time a request is told the key is in flight.</summary>
internal sealed class SignalingIdempotencyStore(IIdempotencyStore inner, TaskCompletionSource inFlight) : IIdempotencyStore
{
    public async Task<IdempotencyBegin> IdempotencyBegin(string scope, string key, string fingerprint, DateTimeOffset now, CancellationToken ct)
    {
        var begin = await inner.IdempotencyBegin(scope, key, fingerprint, now, ct);
        if (begin is IdempotencyBegin.InFlight) inFlight.TrySetResult();
        return begin;
    }

    public Task<bool> IdempotencyComplete(IdempotencyCompletion completion, CancellationToken ct) => inner.IdempotencyComplete(completion, ct);

    public Task IdempotencyAbandon(string scope, string key, long leaseUntilMs, CancellationToken ct) => inner.IdempotencyAbandon(scope, key, leaseUntilMs, ct);

    public Task<int> IdempotencyDeleteExpired(DateTimeOffset now, int limit, CancellationToken ct) => inner.IdempotencyDeleteExpired(now, limit, ct);
}

/// <summary>
/// Forwards every call to the wrapped service, except the first call of one method, which <c>firstCall</c> answers
/// instead (throwing, or returning a failure): a database hiccup, once.
/// </summary>
public class FailOnce : DispatchProxy
{
    private object _inner = null!;
    private string _method = "";
    private Func<object?> _firstCall = null!;
    private int _armed = 1;

    public static T Wrap<T>(T inner, string method, Func<object?> firstCall) where T : class
    {
        var proxy = Create<T, FailOnce>();
        var self = (FailOnce)(object)proxy;
        self._inner = inner;
        self._method = method;
        self._firstCall = firstCall;
        return proxy;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        if (targetMethod.Name == _method && Interlocked.Exchange(ref _armed, 0) == 1)
            return _firstCall();
        try
        {
            return targetMethod.Invoke(_inner, args);
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            ExceptionDispatchInfo.Throw(ex.InnerException);
            throw;
        }
    }
}
