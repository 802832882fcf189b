using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Payouts.Server.Tests.Support;
using Xunit.Abstractions;

namespace Payouts.Server.Tests.Cluster;

/// <summary>
/// Automated processors racing people: approvals, cancels, manual marks and retried requests arrive through every node
/// while processors on those same nodes send; the sandbox ledger then shows each payout left the wallet exactly once,
/// or not at all.
/// </summary>
public sealed partial class ProcessorRaceTests(ITestOutputHelper output)
{
    private const int PayoutCount = 2_000;
    private const int IdempotentCreates = 40;
    private const int ClientTasks = 16;
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(90);

    private enum Script
    {
        Approve,
        ApproveTwice,
        CancelFirst,
        CancelRacingApproval,
        CancelAfterApproval,
        ManualBeforeApproval,
        ManualAfterApproval,
    }

    [PostgresFact]
    public async Task EveryApprovedPayoutIsSentExactlyOnceUnderRacingClientsAndThreeNodes()
    {
        // Property: with three nodes running both processors on one database, no payout is paid twice and no approved
        // payout is lost, whatever clients do meanwhile. How: 2,000 unapproved payouts (half on-chain, half Lightning)
        // are approved by 16 client tasks spread round robin over the nodes — some approvals sent twice on purpose, every
        // request retried as is on 5xx or timeouts — while ~20% are cancelled (before, during and after approval, racing
        // the processors), manual mark/mark-paid is tried (only refusals, or answers that change nothing, are allowed) and
        // approved creates are retried with an Idempotency-Key. Once nothing is AwaitingPayment or InProgress, the sandbox
        // ledger (paged with afterId) is compared with every payout's final state and audit log: (a) no payout under two
        // references, (b) every Completed payout exactly once with its amount and destination, (c) nothing sent for a
        // payout that is not Completed, (d) every approved, uncancelled payout Completed, (e) Completed only through
        // processor events, (f) the ledger's total equals the Completed total.
        var total = Stopwatch.StartNew();
        await using var cluster = await TestCluster.Create();
        var nodes = await cluster.StartAll("race-a", "race-b", "race-c");
        var clients = nodes.Select(n => n.Client()).ToArray();
        var started = total.Elapsed;

        var storeId = await Http.CreateStore(clients[0], "race store");
        await Processors.Enable(clients[0], storeId, Processors.Chain);
        await Processors.Enable(clients[1], storeId, Processors.Ln);

        // Distinct destinations and amounts whose last satoshi digit is 1, so no sandbox fault trigger (…400/402/408/102) fires.
        var requests = Enumerable.Range(0, PayoutCount).Select(n => n % 2 == 0
            ? new { destination = Http.Address(n), amount = Money.Btc(10_000 + n * 10 + 1), payoutMethodId = Processors.Chain, approved = false }
            : new { destination = $"name{n}@example.com", amount = Money.Btc(10_000 + n * 10 + 1), payoutMethodId = Processors.Ln, approved = false })
            .ToList();
        var ids = new List<string>(PayoutCount);
        foreach (var chunk in requests.Chunk(1_000))
        {
            using var response = await clients[ids.Count / 1_000 % clients.Length].PostAsync($"/api/v1/stores/{storeId}/payouts/bulk",
                Http.Json(JsonSerializer.Serialize(chunk)));
            var created = (await Http.Expect(response, HttpStatusCode.OK)).AsArray();
            Assert.Equal(chunk.Length, created.Count);
            Assert.All(created, p => Assert.Equal("AwaitingApproval", p!["state"]!.GetValue<string>()));
            ids.AddRange(created.Select(p => p!["id"]!.GetValue<string>()));
        }
        var createdAt = total.Elapsed;

        // The storm.
        var storm = new Storm(clients, storeId);
        var random = new Random(20_240_607);
        var items = new List<Func<Task>>();
        var scripts = new Dictionary<Script, int>();
        foreach (var (id, i) in ids.OrderBy(_ => random.Next()).Select((id, i) => (id, i)))
        {
            var script = random.NextDouble() switch
            {
                < 0.08 => Script.CancelFirst,
                < 0.14 => Script.CancelRacingApproval,
                < 0.20 => Script.CancelAfterApproval,
                < 0.25 => Script.ApproveTwice,
                < 0.28 => Script.ManualBeforeApproval,
                < 0.35 => Script.ManualAfterApproval,
                _ => Script.Approve,
            };
            scripts[script] = scripts.GetValueOrDefault(script) + 1;
            var manual = random.Next(4);
            items.Add(() => storm.Run(id, script, manual));
            if (i % (PayoutCount / IdempotentCreates) == 0)
            {
                var n = 100_000 + i;
                items.Add(() => storm.CreateIdempotently(n));
            }
        }
        var work = new ConcurrentQueue<Func<Task>>(items);
        var workers = Enumerable.Range(0, ClientTasks).Select(_ => Task.Run(async () =>
        {
            while (work.TryDequeue(out var next)) await next();
        })).ToList();
        await Task.WhenAll(workers);
        var stormedAt = total.Elapsed;

        // Drain: poll until no payout is waiting or being sent. A deadline passing is reported with the other problems,
        // after the money checks, so a failure shows what was paid as well as what was stuck.
        using var admin = nodes[0].Client();
        var drain = Stopwatch.StartNew();
        var remaining = "";
        var drained = false;
        while (!drained && drain.Elapsed < DrainTimeout)
        {
            var waiting = (await Http.Get(admin, $"/api/v1/stores/{storeId}/payouts?state=AwaitingPayment&limit=1000")).AsArray().Count;
            var sending = (await Http.Get(admin, $"/api/v1/stores/{storeId}/payouts?state=InProgress&limit=1000")).AsArray().Count;
            remaining = $"{waiting} AwaitingPayment, {sending} InProgress";
            drained = waiting + sending == 0;
            if (!drained) await Task.Delay(200);
        }
        var drainedAt = total.Elapsed;

        // Final states, audit logs and the ledger.
        var allIds = ids.Concat(storm.IdempotentCreated).ToList();
        var views = new ConcurrentDictionary<string, PayoutView>();
        var logs = new ConcurrentDictionary<string, JsonArray>();
        await Parallel.ForEachAsync(allIds, new ParallelOptions { MaxDegreeOfParallelism = ClientTasks }, async (id, _) =>
        {
            var c = storm.Next();
            views[id] = PayoutView.From(await Http.Get(c, $"/api/v1/stores/{storeId}/payouts/{id}"));
            logs[id] = await Http.Events(c, storeId, id);
        });
        var ledger = await Ledger.ReadAll(admin, storeId);
        var problems = new List<string>(storm.Problems);
        if (!drained) problems.Add($"not drained within {DrainTimeout.TotalSeconds:0} s after the storm: still {remaining}\n{Tail(nodes)}");
        problems.AddRange(Ledger.Check(ledger, views, storeId));
        var reclaimed = 0;
        foreach (var id in allIds)
        {
            var p = views[id];
            var events = logs[id].Select(e => e!).ToList();
            var everApproved = events.Any(e => State(e, "to") == "AwaitingPayment" && State(e, "from") is null or "AwaitingApproval");
            // (d)
            if (everApproved && p.State is not ("Completed" or "Cancelled"))
                problems.Add($"(d) payout {id} was approved and is {p.State}, not Completed");
            if (!everApproved && p.State is not ("AwaitingApproval" or "Cancelled"))
                problems.Add($"payout {id} was never approved but is {p.State}");
            if (storm.ApproveAnswered200.ContainsKey(id) && !everApproved)
                problems.Add($"payout {id}: an approve answered 200 but no approval is in its log");
            if (storm.CancelAnswered200.ContainsKey(id) && p.State != "Cancelled")
                problems.Add($"payout {id}: a cancel answered 200 but it is {p.State}");
            if (events.Count(e => State(e, "from") == "AwaitingApproval" && State(e, "to") == "AwaitingPayment") > 1)
                problems.Add($"payout {id} was approved twice");
            if (events[^1]["revision"]!.GetValue<int>() != p.Revision || events.Count != p.Revision + 1)
                problems.Add($"payout {id}: {events.Count} events for revision {p.Revision}");
            // (e) money moves only by processors; people only create, approve and cancel.
            foreach (var e in events)
            {
                var (from, to, actor, auto) = (State(e, "from"), State(e, "to"), e["actor"]!.GetValue<string>(), e["processorAuto"]!.GetValue<bool>());
                var byProcessor = actor.StartsWith("processor:", StringComparison.Ordinal);
                var moneyMove = to is "InProgress" or "Completed" || from is "InProgress";
                if (moneyMove && !(byProcessor && auto))
                    problems.Add($"(e) payout {id}: {from} → {to} by {actor} (processorAuto={auto})");
                if (!moneyMove && (byProcessor || auto))
                    problems.Add($"(e) payout {id}: {from} → {to} by {actor} (processorAuto={auto}) is not a processor's move");
                if (from == "InProgress" && to == "AwaitingPayment") reclaimed++;
            }
            if (p.State == "Completed")
            {
                var tail = events.TakeLast(2).Select(e => (State(e, "from"), State(e, "to"))).ToList();
                if (events.Count < 3 || tail[0] != ("AwaitingPayment", "InProgress") || tail[1] != ("InProgress", "Completed"))
                    problems.Add($"(e) Completed payout {id} ends with {string.Join(", ", tail)}");
            }
        }

        var states = views.Values.GroupBy(v => (v.Method, v.State)).OrderBy(g => g.Key).Select(g => $"{g.Key.Method}/{g.Key.State}: {g.Count()}");
        output.WriteLine($"nodes up {started.TotalSeconds:0.0} s; {ids.Count} payouts created in bulk {(createdAt - started).TotalSeconds:0.0} s; " +
            $"storm {(stormedAt - createdAt).TotalSeconds:0.0} s ({storm.Requests} requests, {storm.Retries} retried); " +
            $"drained {drain.Elapsed.TotalSeconds:0.0} s after it; verified {(total.Elapsed - drainedAt).TotalSeconds:0.0} s; total {total.Elapsed.TotalSeconds:0.0} s");
        output.WriteLine($"latency: {storm.Latencies()}");
        output.WriteLine($"scripts: {string.Join(", ", scripts.OrderBy(s => s.Key).Select(s => $"{s.Key} {s.Value}"))}");
        output.WriteLine($"answers: {string.Join(", ", storm.Answers.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => $"{a.Key} {a.Value}"))}");
        output.WriteLine($"final: {string.Join(", ", states)}; ledger {ledger.Count} entries, {ledger.Select(e => e.Reference).Distinct().Count()} references; " +
            $"{reclaimed} return(s) InProgress → AwaitingPayment");
        foreach (var (node, i) in nodes.Select((n, i) => (n, i)))
        {
            var log = node.Output;
            output.WriteLine($"node {i}: {Occurrences(log, "fail: ")} error log(s), {Occurrences(log, "deadlock detected")} deadlock(s), " +
                $"{Occurrences(log, "lease lost")} lease(s) lost");
            // Each error once, as "category: message / first exception line".
            var lines = log.Split('\n');
            var errors = lines.Select((l, k) => (l, k)).Where(x => x.l.StartsWith("fail: ", StringComparison.Ordinal))
                .Select(x => Digits().Replace(string.Join(" / ", lines.Skip(x.k).Take(3).Select(l => l.Trim())), "#"))
                .GroupBy(e => e).Select(g => $"  {g.Count()}× {g.Key}");
            foreach (var e in errors.Take(5)) output.WriteLine(e);
        }
        var attempts = await cluster.Db.Attempts(storeId);
        output.WriteLine($"attempts: {string.Join(", ", attempts.GroupBy(a => (a.Method, a.NodeId)).OrderBy(g => g.Key).Select(g => $"{g.Key.Method} by {g.Key.NodeId}: {g.Count()}"))}");

        Assert.True(problems.Count == 0, $"{problems.Count} problem(s):\n{string.Join("\n", problems.Take(60))}");
        Assert.Contains(views.Values, v => v.State == "Completed" && v.Method == Processors.Chain);
        Assert.Contains(views.Values, v => v.State == "Completed" && v.Method == Processors.Ln);
        Assert.Contains(views.Values, v => v.State == "Cancelled");
        Assert.Equal(IdempotentCreates, storm.IdempotentCreated.Count);
        foreach (var c in clients) c.Dispose();
    }

    [Fact]
    public async Task ManualMoneyMovesAreRefusedWhileAProcessorIsEnabled()
    {
        // Property: while an automated processor is enabled for (store, method), no person can move a payout's money
        // state by hand — mark-paid, mark InProgress/Completed, and mark AwaitingPayment out of InProgress are refused
        // with 400 processor-active and change nothing — because a person and a processor both paying is how BTCPay paid
        // twice (issue 5913). How: on one in-process node (SQLite) the on-chain processor is enabled with a threshold no
        // payout reaches, so it holds AwaitingPayment payouts without sending them; each refusal is checked against the
        // payout's state, revision and audit log; the same moves then work once the processor is deleted, and a Lightning
        // payout of the same store (no Lightning processor) can be marked all along.
        await using var node = InProcessNode.Sqlite();
        using var admin = node.Admin();
        var storeId = await Http.CreateStore(admin);
        await Processors.Enable(admin, storeId, Processors.Chain, new { intervalSeconds = 1, processNewPayoutsInstantly = true, threshold = "1000" });
        var first = (await Http.CreatePayout(admin, storeId, Http.Address(1), "0.0001", approved: true))["id"]!.GetValue<string>();
        var second = (await Http.CreatePayout(admin, storeId, Http.Address(2), "0.0002", approved: true))["id"]!.GetValue<string>();
        var third = (await Http.CreatePayout(admin, storeId, Http.Address(3), "0.0003", approved: true))["id"]!.GetValue<string>();
        var lightning = (await Http.CreatePayout(admin, storeId, "someone@example.com", "0.0001", method: Processors.Ln, approved: true))["id"]!.GetValue<string>();

        foreach (var id in new[] { first, second })
        {
            await ExpectRefused(admin, storeId, id, () => Http.MarkPaid(admin, storeId, id), "AwaitingPayment", 0);
            await ExpectRefused(admin, storeId, id, () => Http.Mark(admin, storeId, id, "Completed"), "AwaitingPayment", 0);
            await ExpectRefused(admin, storeId, id, () => Http.Mark(admin, storeId, id, "InProgress"), "AwaitingPayment", 0);
        }
        // Another method's payouts are not the processor's.
        Assert.Equal("Completed", (await Http.Expect(await Http.MarkPaid(admin, storeId, lightning), HttpStatusCode.OK))["state"]!.GetValue<string>());

        await Processors.Disable(admin, storeId, Processors.Chain);
        Assert.Equal("InProgress", (await Http.Expect(await Http.Mark(admin, storeId, first, "InProgress"), HttpStatusCode.OK))["state"]!.GetValue<string>());
        Assert.Equal("Completed", (await Http.Expect(await Http.Mark(admin, storeId, first, "Completed"), HttpStatusCode.OK))["state"]!.GetValue<string>());
        Assert.Equal("Completed", (await Http.Expect(await Http.MarkPaid(admin, storeId, second), HttpStatusCode.OK))["state"]!.GetValue<string>());
        Assert.Equal("InProgress", (await Http.Expect(await Http.Mark(admin, storeId, third, "InProgress"), HttpStatusCode.OK))["state"]!.GetValue<string>());
        foreach (var id in new[] { first, second })
        {
            var events = await Http.Events(admin, storeId, id);
            Assert.All(events, e => Assert.False(e!["processorAuto"]!.GetValue<bool>()));
            Assert.StartsWith("api-key:", events[^1]!["actor"]!.GetValue<string>(), StringComparison.Ordinal);
        }

        // Enabled again: a payout a person put InProgress cannot be handed back to the processor by hand (it would be
        // claimed and sent while the person's payment may be on its way), nor completed by hand.
        await Processors.Enable(admin, storeId, Processors.Chain, new { intervalSeconds = 1, processNewPayoutsInstantly = true, threshold = "1000" });
        await ExpectRefused(admin, storeId, third, () => Http.Mark(admin, storeId, third, "AwaitingPayment"), "InProgress", 1);
        await ExpectRefused(admin, storeId, third, () => Http.MarkPaid(admin, storeId, third), "InProgress", 1);
        // Completed stays final: repeating mark-paid answers as before and changes nothing, processor or not.
        var again = await Http.Expect(await Http.MarkPaid(admin, storeId, second), HttpStatusCode.OK);
        Assert.Equal(("Completed", 1), (again["state"]!.GetValue<string>(), again["revision"]!.GetValue<int>()));
        Assert.Equal(2, (await Http.Events(admin, storeId, second)).Count);
    }

    private static async Task ExpectRefused(HttpClient admin, string storeId, string id, Func<Task<HttpResponseMessage>> move, string state, int revision)
    {
        var eventsBefore = (await Http.Events(admin, storeId, id)).Count;
        using var response = await move();
        var error = await Http.Expect(response, HttpStatusCode.BadRequest);
        Assert.Equal("processor-active", error["code"]!.GetValue<string>());
        var payout = await Http.Get(admin, $"/api/v1/stores/{storeId}/payouts/{id}");
        Assert.Equal((state, revision), (payout["state"]!.GetValue<string>(), payout["revision"]!.GetValue<int>()));
        Assert.Equal(eventsBefore, (await Http.Events(admin, storeId, id)).Count);
    }

    [System.Text.RegularExpressions.GeneratedRegex("[0-9]+")]
    private static partial System.Text.RegularExpressions.Regex Digits();

    private static int Occurrences(string text, string what)
    {
        var count = 0;
        for (var i = text.IndexOf(what, StringComparison.Ordinal); i >= 0; i = text.IndexOf(what, i + what.Length, StringComparison.Ordinal)) count++;
        return count;
    }

    private static string? State(JsonNode e, string name) => e[name] is { } s ? s.GetValue<string>() : null;

    private static string Tail(IEnumerable<NodeProcess> nodes) =>
        string.Join("\n", nodes.Select(n => $"--- {n.BaseAddress}\n{string.Join("\n", n.Output.Split('\n').TakeLast(30))}"));

    /// <summary>The clients' side of the storm: requests round robin over the nodes, retried as is on 5xx and timeouts.</summary>
    private sealed class Storm(HttpClient[] clients, string storeId)
    {
        private const int TriesMax = 6;
        private int _next;
        private int _requests;
        private int _retries;

        public ConcurrentQueue<string> Problems { get; } = new();
        public ConcurrentDictionary<string, int> Answers { get; } = new(StringComparer.Ordinal);
        public ConcurrentDictionary<string, bool> ApproveAnswered200 { get; } = new(StringComparer.Ordinal);
        public ConcurrentDictionary<string, bool> CancelAnswered200 { get; } = new(StringComparer.Ordinal);
        public ConcurrentQueue<string> IdempotentCreated { get; } = new();
        public ConcurrentDictionary<string, ConcurrentBag<double>> LatencyMs { get; } = new(StringComparer.Ordinal);
        public int Requests => _requests;
        public int Retries => _retries;

        public HttpClient Next() => clients[(Interlocked.Increment(ref _next) & int.MaxValue) % clients.Length];

        public async Task Run(string id, Script script, int manual)
        {
            switch (script)
            {
                case Script.Approve:
                    await Approve(id, mayBeLate: false);
                    break;
                case Script.ApproveTwice:
                    // The identical approve twice at once, through two nodes: one wins, the other finds it approved.
                    await Task.WhenAll(Approve(id, mayBeLate: true), Approve(id, mayBeLate: true));
                    await Approve(id, mayBeLate: true);
                    break;
                case Script.CancelFirst:
                    await Cancel(id, mustWin: true);
                    await Approve(id, mayBeLate: true, mustLose: true);
                    break;
                case Script.CancelRacingApproval:
                    await Task.WhenAll(Approve(id, mayBeLate: true), Cancel(id, mustWin: false));
                    break;
                case Script.CancelAfterApproval:
                    await Approve(id, mayBeLate: false);
                    await Cancel(id, mustWin: false);
                    break;
                case Script.ManualBeforeApproval:
                    await Manual(id, manual);
                    await Approve(id, mayBeLate: false);
                    await Manual(id, (manual + 1) % 4);
                    break;
                case Script.ManualAfterApproval:
                    await Approve(id, mayBeLate: false);
                    await Manual(id, manual);
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(script));
            }
        }

        private async Task Approve(string id, bool mayBeLate, bool mustLose = false)
        {
            var a = await Send(HttpMethod.Post, $"/api/v1/stores/{storeId}/payouts/{id}", """{"revision":0}""");
            Count("approve", a);
            if (a.Status == HttpStatusCode.OK && !mustLose)
            {
                ApproveAnswered200[id] = true;
                Expect(id, "approve", a, a.State == "AwaitingPayment");
            }
            else
                // A retry after a lost answer, a duplicate, or a cancel that came first: the payout is past AwaitingApproval.
                Expect(id, "approve", a, a.Code == "invalid-state" && (mayBeLate || mustLose || a.Retried));
        }

        private async Task Cancel(string id, bool mustWin)
        {
            var a = await Send(HttpMethod.Delete, $"/api/v1/stores/{storeId}/payouts/{id}", null);
            Count("cancel", a);
            if (a.Status == HttpStatusCode.OK)
            {
                CancelAnswered200[id] = true;
                Expect(id, "cancel", a, a.State == "Cancelled");
            }
            else
                // The processor claimed it first: InProgress or Completed cannot be cancelled.
                Expect(id, "cancel", a, !mustWin && a.Code == "invalid-state");
        }

        private async Task Manual(string id, int which)
        {
            var (path, body, target) = which switch
            {
                0 => ("mark-paid", (string?)null, "Completed"),
                1 => ("mark", """{"state":"Completed"}""", "Completed"),
                2 => ("mark", """{"state":"InProgress"}""", "InProgress"),
                _ => ("mark", """{"state":"AwaitingPayment"}""", "AwaitingPayment"),
            };
            var a = await Send(HttpMethod.Post, $"/api/v1/stores/{storeId}/payouts/{id}/{path}", body);
            Count($"{path}:{target}", a);
            // 200 only when the payout already is there (Completed by the processor, InProgress under its claim, or
            // still AwaitingPayment): an answer that changes nothing. The audit log check proves nothing moved by hand.
            Expect(id, $"{path} {target}", a, a.Code is "processor-active" or "invalid-state" || (a.Status == HttpStatusCode.OK && a.State == target));
        }

        public async Task CreateIdempotently(int n)
        {
            var key = $"race-create-{n}";
            var body = n % 2 == 0
                ? JsonSerializer.Serialize(new { destination = Http.Address(n), amount = Money.Btc(20_000 + n % 1_000 * 10 + 1), payoutMethodId = Processors.Chain, approved = true })
                : JsonSerializer.Serialize(new { destination = $"again{n}@example.com", amount = Money.Btc(20_000 + n % 1_000 * 10 + 1), payoutMethodId = Processors.Ln, approved = true });
            // The same request twice at once through two nodes, then once more later: one payout, one answer.
            var answers = (await Task.WhenAll(CreateOnce(key, body), CreateOnce(key, body))).Append(await CreateOnce(key, body)).ToList();
            var created = answers.Where(a => a.Status == HttpStatusCode.OK).Select(a => a.Body!["id"]!.GetValue<string>()).Distinct().ToList();
            if (created.Count != 1 || answers.Any(a => a.Status != HttpStatusCode.OK))
                Problems.Enqueue($"idempotent create {key}: answers {string.Join(", ", answers.Select(a => $"{(int)a.Status} {a.Code}"))}, ids {string.Join(", ", created)}");
            if (created.Count >= 1) IdempotentCreated.Enqueue(created[0]);
        }

        private async Task<Answer> CreateOnce(string key, string body)
        {
            for (var i = 0; ; i++)
            {
                var a = await Send(HttpMethod.Post, $"/api/v1/stores/{storeId}/payouts", body, key);
                Count("create", a);
                // 409: the twin request still holds the key; ask again.
                if (a.Status != HttpStatusCode.Conflict || i >= 20) return a;
                await Task.Delay(100);
            }
        }

        private void Expect(string id, string what, Answer a, bool ok)
        {
            if (!ok) Problems.Enqueue($"payout {id}: {what} answered {(int)a.Status} {a.Code} {a.State}{(a.Retried ? " (after a retry)" : "")}");
        }

        private void Count(string what, Answer a)
        {
            Answers.AddOrUpdate($"{what} {(int)a.Status}{(a.Code is null ? "" : " " + a.Code)}", 1, (_, v) => v + 1);
            LatencyMs.GetOrAdd(what.Split(':')[0], _ => []).Add(a.Ms);
        }

        public string Latencies() => string.Join(", ", LatencyMs.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l =>
        {
            var sorted = l.Value.Order().ToList();
            return $"{l.Key} p50 {sorted[sorted.Count / 2]:0} ms, p99 {sorted[(int)(sorted.Count * 0.99)]:0} ms, max {sorted[^1]:0} ms";
        }));

        private async Task<Answer> Send(HttpMethod method, string path, string? json, string? idempotencyKey = null)
        {
            for (var attempt = 1; ; attempt++)
            {
                Interlocked.Increment(ref _requests);
                try
                {
                    using var request = new HttpRequestMessage(method, path);
                    if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, "application/json");
                    if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
                    using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
                    var clock = Stopwatch.StartNew();
                    using var response = await Next().SendAsync(request, cts.Token);
                    var text = await response.Content.ReadAsStringAsync(cts.Token);
                    if ((int)response.StatusCode < 500 || attempt == TriesMax)
                        return Answer.Of(response.StatusCode, text, retried: attempt > 1, clock.Elapsed.TotalMilliseconds);
                }
                catch (Exception ex) when ((ex is HttpRequestException or OperationCanceledException) && attempt < TriesMax)
                {
                }
                Interlocked.Increment(ref _retries);
                await Task.Delay(50 * attempt);
            }
        }
    }

    private sealed record Answer(HttpStatusCode Status, JsonNode? Body, bool Retried, double Ms)
    {
        public string? Code => Body is JsonObject o && o["code"] is { } c ? c.GetValue<string>() : null;
        public string? State => Body is JsonObject o && o["state"] is { } s ? s.GetValue<string>() : null;

        public static Answer Of(HttpStatusCode status, string text, bool retried, double ms)
        {
            JsonNode? body;
            try { body = text.Length == 0 ? null : JsonNode.Parse(text); }
            catch (JsonException) { body = JsonValue.Create(text); }
            return new Answer(status, body, retried, ms);
        }
    }
}
