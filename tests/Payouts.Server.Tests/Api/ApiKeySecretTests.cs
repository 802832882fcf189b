using System.Net;
using System.Text;
using Dapper;
using Payouts.Server.Tests.Support;
using Payouts.Storage;

namespace Payouts.Server.Tests.Api;

/// <summary>An API key's secret is shown once and stored nowhere, not even in the Idempotency-Key record.</summary>
public sealed class ApiKeySecretTests
{
    [Theory, MemberData(nameof(Engines.All), MemberType = typeof(Engines))]
    public async Task ReplayedKeyCreationAnswersWithoutTheSecretAndTheSecretIsNotStored(string engine)
    {
        await using var node = await InProcessNode.Create(engine);
        using var admin = node.Admin();
        HttpRequestMessage Request()
        {
            var r = new HttpRequestMessage(HttpMethod.Post, "/api/v1/api-keys")
            {
                Content = new StringContent("""{"label":"ops","permissions":["btcpay.store.canviewpayouts"]}""", Encoding.UTF8, "application/json"),
            };
            r.Headers.Add("Idempotency-Key", "create-ops-key-1");
            return r;
        }

        var first = await Http.Expect(await admin.SendAsync(Request()), HttpStatusCode.OK);
        var secret = first["apiKey"]!.GetValue<string>();
        Assert.Equal(64, secret.Length);

        using var replayResponse = await admin.SendAsync(Request());
        Assert.Equal("true", replayResponse.Headers.GetValues("Idempotent-Replayed").Single());
        var replay = await Http.Expect(replayResponse, HttpStatusCode.OK);
        Assert.Equal(first["id"]!.GetValue<string>(), replay["id"]!.GetValue<string>());
        Assert.Null(replay["apiKey"]);

        await using var db = Database.Create(Database.TryParseProvider(node.Provider, out var p) ? p : default, node.ConnectionString);
        await using var c = await db.Open(default);
        var bodies = (await c.QueryAsync<byte[]>("SELECT body FROM idempotency_keys WHERE body IS NOT NULL")).ToList();
        Assert.NotEmpty(bodies);
        Assert.All(bodies, b => Assert.DoesNotContain(secret, Encoding.UTF8.GetString(b), StringComparison.Ordinal));
        Assert.Equal(1, await c.ExecuteScalarAsync<long>("SELECT count(*) FROM api_keys WHERE label = 'ops'"));

        // The secret from the first answer works.
        using var ops = node.CreateClient();
        ops.DefaultRequestHeaders.Add("Authorization", $"token {secret}");
        await Http.Expect(await ops.GetAsync("/api/v1/api-keys/current"), HttpStatusCode.OK);
    }
}
