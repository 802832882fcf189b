// Load generator: create + approve payouts over HTTP with N concurrent closed-loop clients.
//
//   dotnet Payouts.Bench.dll --url http://127.0.0.1:PORT --key <admin api key>
//       [--clients 64] [--seconds 30] [--warmup 5]
//
// Creates one store, then each client loops: POST /api/v1/stores/{store}/payouts (unique regtest destination,
// 0.0001 BTC, BTC-CHAIN), then POST /api/v1/stores/{store}/payouts/{id} {"revision":0} (approve); both requests
// carry a fresh Idempotency-Key. One operation = create + approve. Requests that complete inside the measured
// window (after --warmup, for --seconds) count; anything but 200 is an error (the first few bodies are printed).
// The last line is machine-readable:
//   RESULT ops_per_s=… req_per_s=… p50_ms=… p99_ms=… errors=… (p50/p99 are per request, both kinds), then p90_ms,
//   max_ms, op_p50_ms, op_p99_ms, ops, gen_cpu_ms_per_op (this process's CPU in the window per operation).
//
// Expectation (see bench/README.md): on 2 cores shared with the node and PostgreSQL, a few hundred to ~1,000 ops/s;
// with 64 closed-loop clients Little's law then puts the mean request latency at 64 / (2 × ops/s), i.e. ≥ 30 ms.
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Payouts.Bench;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        Options o;
        try
        {
            o = Options.Parse(args);
        }
        catch (ArgumentException ex)
        {
            await Console.Error.WriteLineAsync($"Payouts.Bench: {ex.Message}\n{Options.Usage}");
            return 64;
        }

        using var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = Math.Max(o.Clients, 1) * 2,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            UseCookies = false,
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
        };
        using var http = new HttpClient(handler, disposeHandler: false)
        {
            BaseAddress = new Uri(o.Url.TrimEnd('/') + "/"),
            Timeout = TimeSpan.FromSeconds(30),
        };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("token", o.Key);
        http.DefaultRequestVersion = HttpVersion.Version11;

        Console.WriteLine(Inv($"Payouts.Bench: {o.Clients} clients, warmup {o.Warmup} s, measure {o.Seconds} s, {o.Url}"));
        Console.WriteLine($"  one operation = POST …/payouts (create) + POST …/payouts/{{id}} {{\"revision\":0}} (approve), each with an Idempotency-Key");

        string storeId;
        try
        {
            storeId = await CreateStore(http);
        }
        catch (Exception ex) when (ex is HttpRequestException or InvalidOperationException or JsonException or TaskCanceledException)
        {
            await Console.Error.WriteLineAsync($"Payouts.Bench: cannot create the store: {ex.Message}");
            return 2;
        }
        Console.WriteLine($"  store: {storeId}");

        var run = new Run(http, storeId, o);
        return await run.Execute();
    }

    private static async Task<string> CreateStore(HttpClient http)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/v1/stores")
        {
            Content = Json("{\"name\":\"bench\"}"),
        };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.OK)
            throw new InvalidOperationException($"POST /api/v1/stores answered {(int)response.StatusCode}: {body}");
        using var doc = JsonDocument.Parse(body);
        return doc.RootElement.GetProperty("id").GetString() ?? throw new InvalidOperationException("store without id");
    }

    internal static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    internal static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}

internal sealed record Options(string Url, string Key, int Clients, int Seconds, int Warmup)
{
    public const string Usage =
        "usage: Payouts.Bench --url http://127.0.0.1:PORT --key <admin api key> [--clients 64] [--seconds 30] [--warmup 5]";

    public static Options Parse(string[] args)
    {
        string? url = null, key = null;
        int clients = 64, seconds = 30, warmup = 5;
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int Int(int min)
            {
                var name = args[i];
                var text = Value();
                return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v >= min
                    ? v
                    : throw new ArgumentException($"{name} must be an integer ≥ {min}, not '{text}'");
            }
            switch (args[i])
            {
                case "--url": url = Value(); break;
                case "--key": key = Value(); break;
                case "--clients": clients = Int(1); break;
                case "--seconds": seconds = Int(1); break;
                case "--warmup": warmup = Int(0); break;
                default: throw new ArgumentException($"unknown argument '{args[i]}'");
            }
        }
        if (string.IsNullOrEmpty(url)) throw new ArgumentException("--url is required");
        if (string.IsNullOrEmpty(key)) throw new ArgumentException("--key is required");
        return new Options(url, key, clients, seconds, warmup);
    }
}

/// <summary>Per-client samples, merged at the end (no shared state on the hot path but two counters).</summary>
internal sealed class Samples
{
    public List<long> Create { get; } = new(1 << 14);
    public List<long> Approve { get; } = new(1 << 14);
    public List<long> Operation { get; } = new(1 << 14);
}

internal sealed class Run(HttpClient http, string storeId, Options o)
{
    private const int ErrorBodiesShown = 5;
    private const string Bech32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

    private readonly string _createPath = $"api/v1/stores/{storeId}/payouts";
    private readonly string _destinationPrefix = RandomBech32(12);
    private long _destinationCounter;
    private long _errors;
    private long _errorsMeasured;
    private int _errorsShown;
    private readonly Lock _errorLock = new();

    // Window in Stopwatch ticks; a sample counts when it completes inside [_t0, _t1].
    private long _t0 = long.MaxValue;
    private long _t1 = long.MaxValue;
    private volatile bool _stop;

    public async Task<int> Execute()
    {
        var samples = Enumerable.Range(0, o.Clients).Select(_ => new Samples()).ToArray();
        var start = Stopwatch.GetTimestamp();
        Volatile.Write(ref _t0, start + (long)o.Warmup * Stopwatch.Frequency);
        Volatile.Write(ref _t1, _t0 + (long)o.Seconds * Stopwatch.Frequency);
        var clients = samples.Select(s => Task.Run(() => Client(s))).ToArray();

        if (o.Warmup > 0)
        {
            Console.WriteLine(Program.Inv($"  warming up {o.Warmup} s …"));
            await Task.Delay(TimeSpan.FromSeconds(o.Warmup));
        }
        // The script watches for these two lines to sample the node's and PostgreSQL's CPU time over the window.
        Console.WriteLine(Program.Inv($"  measuring {o.Seconds} s …"));
        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        var remaining = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), _t1);
        if (remaining > TimeSpan.Zero) await Task.Delay(remaining);
        var cpu1 = Process.GetCurrentProcess().TotalProcessorTime;
        Console.WriteLine("  window closed; finishing the operations in flight …");
        _stop = true;
        await Task.WhenAll(clients);

        return Report(samples, cpu1 - cpu0);
    }

    private async Task Client(Samples s)
    {
        while (!_stop)
        {
            var opStart = Stopwatch.GetTimestamp();
            var destination = NextDestination();
            var create = await Send(_createPath,
                $"{{\"destination\":\"{destination}\",\"amount\":\"0.0001\",\"payoutMethodId\":\"BTC-CHAIN\"}}");
            if (create.Body is null) continue;
            if (InWindow(create.End)) s.Create.Add(create.End - create.Start);

            string? payoutId;
            try
            {
                using var doc = JsonDocument.Parse(create.Body);
                payoutId = doc.RootElement.GetProperty("id").GetString();
            }
            catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                payoutId = null;
            }
            if (payoutId is null)
            {
                Error(create.End, "create: 200 without a payout id", create.Body);
                continue;
            }

            var approve = await Send($"{_createPath}/{payoutId}", "{\"revision\":0}");
            if (approve.Body is null) continue;
            if (InWindow(approve.End))
            {
                s.Approve.Add(approve.End - approve.Start);
                s.Operation.Add(approve.End - opStart);
            }
        }
    }

    private readonly record struct Sent(long Start, long End, byte[]? Body);

    /// <summary>POSTs <paramref name="json"/> with a fresh Idempotency-Key; Body is null when the request failed (counted).</summary>
    private async Task<Sent> Send(string path, string json)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = Program.Json(json) };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        var start = Stopwatch.GetTimestamp();
        try
        {
            using var response = await http.SendAsync(request);
            var body = await response.Content.ReadAsByteArrayAsync();
            var end = Stopwatch.GetTimestamp();
            if (response.StatusCode == HttpStatusCode.OK)
                return new Sent(start, end, body);
            Error(end, Program.Inv($"POST /{path} answered {(int)response.StatusCode}"), body);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
        {
            Error(Stopwatch.GetTimestamp(), $"POST /{path} failed: {ex.GetType().Name}: {ex.Message}", null);
        }
        return new Sent(start, 0, null);
    }

    private void Error(long at, string what, byte[]? body)
    {
        Interlocked.Increment(ref _errors);
        if (InWindow(at)) Interlocked.Increment(ref _errorsMeasured);
        lock (_errorLock)
        {
            if (_errorsShown >= ErrorBodiesShown) return;
            _errorsShown++;
            var text = body is null ? "" : Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 500));
            Console.WriteLine($"  ERROR {what} {text}");
        }
    }

    private bool InWindow(long t) => t >= Volatile.Read(ref _t0) && t <= Volatile.Read(ref _t1);

    /// <summary>"bcrt1q" + 38 bech32 characters: 12 random per run, then the request counter in base 32 — unique per request.</summary>
    private string NextDestination()
    {
        var n = Interlocked.Increment(ref _destinationCounter);
        Span<char> tail = stackalloc char[26];
        for (var i = tail.Length - 1; i >= 0; i--)
        {
            tail[i] = Bech32[(int)(n & 31)];
            n >>= 5;
        }
        return string.Concat("bcrt1q", _destinationPrefix, tail);
    }

    private static string RandomBech32(int length) =>
        System.Security.Cryptography.RandomNumberGenerator.GetString(Bech32, length);

    private int Report(Samples[] samples, TimeSpan cpu)
    {
        double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
        static long[] Sorted(IEnumerable<long> values)
        {
            var a = values.ToArray();
            Array.Sort(a);
            return a;
        }
        static long Pct(long[] sorted, double q) =>
            sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];

        var create = Sorted(samples.SelectMany(s => s.Create));
        var approve = Sorted(samples.SelectMany(s => s.Approve));
        var requests = Sorted(create.Concat(approve));
        var ops = Sorted(samples.SelectMany(s => s.Operation));
        var seconds = (double)o.Seconds;
        var opsPerS = ops.Length / seconds;
        var reqPerS = requests.Length / seconds;
        string Line(string name, long[] a) => Program.Inv(
            $"  {name,-20} n={a.Length,-7} p50={Ms(Pct(a, 0.50)):F2}  p90={Ms(Pct(a, 0.90)):F2}  p99={Ms(Pct(a, 0.99)):F2}  max={Ms(a.Length == 0 ? 0 : a[^1]):F2}");

        Console.WriteLine();
        Console.WriteLine(Program.Inv($"operations: {ops.Length} in {seconds:F0} s = {opsPerS:F1} ops/s (1 op = create + approve)"));
        Console.WriteLine(Program.Inv($"requests:   {requests.Length} in {seconds:F0} s = {reqPerS:F1} req/s"));
        Console.WriteLine("latency ms (completed in the measured window):");
        Console.WriteLine(Line("request (both kinds)", requests));
        Console.WriteLine(Line("create", create));
        Console.WriteLine(Line("approve", approve));
        Console.WriteLine(Line("operation", ops));
        var cpuPerOp = ops.Length == 0 ? 0 : cpu.TotalMilliseconds / ops.Length;
        Console.WriteLine(Program.Inv($"load generator CPU: {cpu.TotalSeconds:F1} s in the window = {cpuPerOp:F2} ms per operation"));
        Console.WriteLine(Program.Inv($"errors: {_errors} (in the measured window: {_errorsMeasured}; any non-200 or transport failure)"));
        Console.WriteLine(Program.Inv(
            $"RESULT ops_per_s={opsPerS:F1} req_per_s={reqPerS:F1} p50_ms={Ms(Pct(requests, 0.50)):F2} p99_ms={Ms(Pct(requests, 0.99)):F2} errors={_errors} p90_ms={Ms(Pct(requests, 0.90)):F2} max_ms={Ms(requests.Length == 0 ? 0 : requests[^1]):F2} op_p50_ms={Ms(Pct(ops, 0.50)):F2} op_p99_ms={Ms(Pct(ops, 0.99)):F2} ops={ops.Length} gen_cpu_ms_per_op={cpuPerOp:F3} clients={o.Clients} seconds={o.Seconds}"));
        return ops.Length > 0 ? 0 : 1;
    }
}
