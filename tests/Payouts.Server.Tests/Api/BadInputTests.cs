using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Payouts.Core.Auth;
using Payouts.Core.Ports;
using Payouts.Server.Tests.Support;

namespace Payouts.Server.Tests.Api;

/// <summary>
/// Malformed and hostile requests to every endpoint that exists: each gets the documented 4xx in Greenfield's
/// format (a <c>code</c> or a 422 <c>path</c>), never a 500, and the database is byte-for-byte unchanged after it.
/// </summary>
public sealed class BadInputTests(BadInputTests.Fixture fx) : IClassFixture<BadInputTests.Fixture>
{
    public sealed record Case(string Method, string Path, string? Body, int Status, string? Code = null, string? JsonPath = null,
        string ContentType = "application/json", string? Auth = AdminKey.Secret, string? IdempotencyKey = null);

    private const string P = "/api/v1/stores/{store}/payouts";
    private const string One = "/api/v1/stores/{store}/payouts/{payout}";
    private const string Addr = "bcrt1qxhp8wq0rr6xrpmjh8uqu4wvxwmy7xu3ln8ymhq";
    private const string Addr2 = "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080";
    private const string Invoice = "lnbcrt10u1pjq9x8zpp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdqqcqzzsxqyz5vqsp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypq9qyyssq";
    private const string InvalidDestination = "invalid-destination";
    private const string ScopedKey = "scoped-key-for-other-store-0001";
    private const string ViewOnlyKey = "view-only-key-000000000000001";

    public static readonly Dictionary<string, Case> Cases = new()
    {
        ["broken json"] = new("POST", P, """{"destination":""", 400, "invalid-json"),
        ["empty body"] = new("POST", P, "", 400, "invalid-json"),
        ["trailing comma"] = new("POST", P, """{"amount":"1",}""", 400, "invalid-json"),
        ["comment in json"] = new("POST", P, """{/*x*/"amount":"1"}""", 400, "invalid-json"),
        ["nested 100 deep"] = new("POST", P, new string('[', 100) + new string(']', 100), 400, "invalid-json"),
        ["array instead of object"] = new("POST", P, "[]", 422, JsonPath: "$"),
        ["json null"] = new("POST", P, "null", 422, JsonPath: "$"),
        ["amount boolean"] = new("POST", P, $$"""{"destination":"{{Addr}}","amount":true,"payoutMethodId":"BTC-CHAIN"}""", 422, JsonPath: "amount"),
        ["amount object"] = new("POST", P, $$"""{"destination":"{{Addr}}","amount":{},"payoutMethodId":"BTC-CHAIN"}""", 422, JsonPath: "amount"),
        ["amount 1e400"] = new("POST", P, $$"""{"destination":"{{Addr}}","amount":1e400,"payoutMethodId":"BTC-CHAIN"}""", 422, JsonPath: "amount"),
        ["amount exponent string"] = new("POST", P, $$"""{"destination":"{{Addr}}","amount":"1e5","payoutMethodId":"BTC-CHAIN"}""", 422, JsonPath: "amount"),
        ["amount negative"] = new("POST", P, $$"""{"destination":"{{Addr}}","amount":"-1","payoutMethodId":"BTC-CHAIN"}""", 422, JsonPath: "amount"),
        ["amount zero"] = new("POST", P, $$"""{"destination":"{{Addr}}","amount":"0","payoutMethodId":"BTC-CHAIN"}""", 422, JsonPath: "amount"),
        ["amount 13 decimals"] = new("POST", P, $$"""{"destination":"{{Addr}}","amount":"0.0000000000001","payoutMethodId":"BTC-CHAIN"}""", 422, JsonPath: "amount"),
        ["amount 30 decimals"] = new("POST", P, $$"""{"destination":"{{Addr}}","amount":"0.000000000000000000000000000001","payoutMethodId":"BTC-CHAIN"}""", 422, JsonPath: "amount"),
        ["amount huge"] = new("POST", P, $$"""{"destination":"{{Addr}}","amount":"99999999999999999999","payoutMethodId":"BTC-CHAIN"}""", 422, JsonPath: "amount"),
        ["amount text"] = new("POST", P, $$"""{"destination":"{{Addr}}","amount":"ten","payoutMethodId":"BTC-CHAIN"}""", 422, JsonPath: "amount"),
        ["amount thousands separator"] = new("POST", P, $$"""{"destination":"{{Addr}}","amount":"1,000","payoutMethodId":"BTC-CHAIN"}""", 422, JsonPath: "amount"),
        ["amount missing"] = new("POST", P, $$"""{"destination":"{{Addr}}","payoutMethodId":"BTC-CHAIN"}""", 422, JsonPath: "amount"),
        ["amount below dust"] = new("POST", P, $$"""{"destination":"{{Addr}}","amount":"0.00000001","payoutMethodId":"BTC-CHAIN"}""", 422, JsonPath: "amount"),
        ["amount below p2wpkh dust"] = new("POST", P, $$"""{"destination":"{{Addr}}","amount":"0.00000293","payoutMethodId":"BTC-CHAIN"}""", 422, JsonPath: "amount"),
        ["amount below p2pkh dust"] = new("POST", P, """{"destination":"mo9ncXisMeAoXwqcV5EWuyncbmCcQN4rVs","amount":"0.00000545","payoutMethodId":"BTC-CHAIN"}""", 422, JsonPath: "amount"),
        ["method unknown"] = new("POST", P, $$"""{"destination":"{{Addr}}","amount":"0.001","payoutMethodId":"DOGE-CHAIN"}""", 422, JsonPath: "payoutMethodId"),
        ["method number"] = new("POST", P, $$"""{"destination":"{{Addr}}","amount":"0.001","payoutMethodId":5}""", 422, JsonPath: "payoutMethodId"),
        ["method missing"] = new("POST", P, $$"""{"destination":"{{Addr}}","amount":"0.001"}""", 422, JsonPath: "payoutMethodId"),
        ["method oversized"] = new("POST", P, $$"""{"destination":"{{Addr}}","amount":"0.001","payoutMethodId":"{{new string('B', 5000)}}"}""", 422, JsonPath: "payoutMethodId"),
        ["destination missing"] = new("POST", P, """{"amount":"0.001","payoutMethodId":"BTC-CHAIN"}""", 422, InvalidDestination, "destination"),
        ["destination empty"] = new("POST", P, """{"destination":"","amount":"0.001","payoutMethodId":"BTC-CHAIN"}""", 422, InvalidDestination, "destination"),
        ["destination number"] = new("POST", P, """{"destination":42,"amount":"0.001","payoutMethodId":"BTC-CHAIN"}""", 422, JsonPath: "destination"),
        ["destination not an address"] = new("POST", P, """{"destination":"hello","amount":"0.001","payoutMethodId":"BTC-CHAIN"}""", 422, InvalidDestination, "destination"),
        ["destination bad bech32 checksum"] = new("POST", P, """{"destination":"bcrt1qxhp8wq0rr6xrpmjh8uqu4wvxwmy7xu3ln8ymhp","amount":"0.001","payoutMethodId":"BTC-CHAIN"}""", 422, InvalidDestination, "destination"),
        ["destination bech32 for witness v1"] = new("POST", P, """{"destination":"bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7k7grplx","amount":"0.001","payoutMethodId":"BTC-CHAIN"}""", 422, InvalidDestination, "destination"),
        ["destination v0 program of 16 bytes"] = new("POST", P, """{"destination":"BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P","amount":"0.001","payoutMethodId":"BTC-CHAIN"}""", 422, InvalidDestination, "destination"),
        ["destination bad base58 checksum"] = new("POST", P, """{"destination":"mo9ncXisMeAoXwqcV5EWuyncbmCcQN4rVt","amount":"0.001","payoutMethodId":"BTC-CHAIN"}""", 422, InvalidDestination, "destination"),
        ["claim bad destination"] = new("POST", "/api/v1/pull-payments/{pp}/payouts", """{"destination":"bcrt1qxhp8wq0rr6xrpmjh8uqu4wvxwmy7xu3ln8ymhp","payoutMethodId":"BTC-CHAIN"}""", 422, InvalidDestination, "destination", Auth: null),
        ["claim below dust"] = new("POST", "/api/v1/pull-payments/{pp}/payouts", $$"""{"destination":"{{Addr}}","amount":"0.00000293","payoutMethodId":"BTC-CHAIN"}""", 422, JsonPath: "amount", Auth: null),
        ["destination with space"] = new("POST", P, """{"destination":"bcrt1q xhp8wq0rr6xrpmjh8uqu4wvxwmy7xu3ln8ymhq","amount":"0.001","payoutMethodId":"BTC-CHAIN"}""", 422, InvalidDestination, "destination"),
        ["destination mixed-case bech32"] = new("POST", P, """{"destination":"bcrt1qXhp8wq0rr6xrpmjh8uqu4wvxwmy7xu3ln8ymhq","amount":"0.001","payoutMethodId":"BTC-CHAIN"}""", 422, InvalidDestination, "destination"),
        ["destination oversized"] = new("POST", P, $$"""{"destination":"bc1{{new string('q', 3000)}}","amount":"0.001","payoutMethodId":"BTC-CHAIN"}""", 422, InvalidDestination, "destination"),
        ["invoice to on-chain"] = new("POST", P, $$"""{"destination":"{{Invoice}}","amount":"0.001","payoutMethodId":"BTC-CHAIN"}""", 422, InvalidDestination, "destination"),
        ["address to lightning"] = new("POST", P, $$"""{"destination":"{{Addr}}","amount":"0.001","payoutMethodId":"BTC-LN"}""", 422, InvalidDestination, "destination"),
        ["sql injection destination"] = new("POST", P, """{"destination":"'; DROP TABLE payouts; --","amount":"0.001","payoutMethodId":"BTC-CHAIN"}""", 422, InvalidDestination, "destination"),
        ["script injection destination"] = new("POST", P, """{"destination":"<script>alert(1)</script>","amount":"0.001","payoutMethodId":"BTC-CHAIN"}""", 422, InvalidDestination, "destination"),
        ["unicode destination"] = new("POST", P, """{"destination":"bcrt1q\u0000xhp8wq0rr6xrpmjh8uqu4wvxwmy7xu3lq","amount":"0.001","payoutMethodId":"BTC-CHAIN"}""", 422, InvalidDestination, "destination"),
        ["unknown field"] = new("POST", P, $$"""{"destination":"{{Addr}}","amount":"0.001","payoutMethodId":"BTC-CHAIN","fee":"1"}""", 422, JsonPath: "fee"),
        ["approved as string"] = new("POST", P, $$"""{"destination":"{{Addr}}","amount":"0.001","payoutMethodId":"BTC-CHAIN","approved":"yes"}""", 422, JsonPath: "approved"),
        ["metadata string"] = new("POST", P, $$"""{"destination":"{{Addr}}","amount":"0.001","payoutMethodId":"BTC-CHAIN","metadata":"x"}""", 422, JsonPath: "metadata"),
        ["pull payment id injection"] = new("POST", P, $$"""{"destination":"{{Addr}}","payoutMethodId":"BTC-CHAIN","pullPaymentId":"1' OR '1'='1"}""", 422, JsonPath: "pullPaymentId"),
        ["pull payment unknown"] = new("POST", P, $$"""{"destination":"{{Addr}}","payoutMethodId":"BTC-CHAIN","pullPaymentId":"NoSuchPullPayment"}""", 404, "pullpayment-not-found"),
        ["body over limit"] = new("POST", P, $$"""{"destination":"{{new string('a', 1_100_000)}}"}""", 413, "body-too-large"),
        ["text/plain body"] = new("POST", P, $$"""{"destination":"{{Addr}}","amount":"0.001","payoutMethodId":"BTC-CHAIN"}""", 415, "unsupported-media-type", ContentType: "text/plain"),
        ["store unknown"] = new("POST", "/api/v1/stores/NoSuchStore/payouts", $$"""{"destination":"{{Addr}}","amount":"0.001","payoutMethodId":"BTC-CHAIN"}""", 404, "store-not-found"),
        ["no api key"] = new("POST", P, $$"""{"destination":"{{Addr}}","amount":"0.001","payoutMethodId":"BTC-CHAIN"}""", 401, "unauthenticated", Auth: null),
        ["wrong api key"] = new("POST", P, $$"""{"destination":"{{Addr}}","amount":"0.001","payoutMethodId":"BTC-CHAIN"}""", 401, "unauthenticated", Auth: "not-a-real-key-0000000000"),
        ["bearer scheme"] = new("POST", P, $$"""{"destination":"{{Addr}}","amount":"0.001","payoutMethodId":"BTC-CHAIN"}""", 401, "unauthenticated", Auth: "@Bearer x"),
        ["key of another store"] = new("POST", P, $$"""{"destination":"{{Addr}}","amount":"0.001","payoutMethodId":"BTC-CHAIN"}""", 403, "missing-permission", Auth: ScopedKey),
        ["view-only key creates"] = new("POST", P, $$"""{"destination":"{{Addr}}","amount":"0.001","payoutMethodId":"BTC-CHAIN"}""", 403, "missing-permission", Auth: ViewOnlyKey),
        ["key of another store reads"] = new("GET", One, null, 403, "missing-permission", Auth: ScopedKey),
        ["key of another store approves"] = new("POST", One, """{"revision":0}""", 403, "missing-permission", Auth: ScopedKey),
        ["key of another store cancels"] = new("DELETE", One, null, 403, "missing-permission", Auth: ScopedKey),
        ["view-only key cancels"] = new("DELETE", One, null, 403, "missing-permission", Auth: ViewOnlyKey),
        ["approve without body"] = new("POST", One, "", 400, "invalid-json"),
        ["approve without revision"] = new("POST", One, "{}", 422, JsonPath: "revision"),
        ["approve revision text"] = new("POST", One, """{"revision":"zero"}""", 422, JsonPath: "revision"),
        ["approve revision negative"] = new("POST", One, """{"revision":-1}""", 422, JsonPath: "revision"),
        ["approve revision fractional"] = new("POST", One, """{"revision":0.5}""", 422, JsonPath: "revision"),
        ["approve revision overflow"] = new("POST", One, """{"revision":99999999999}""", 422, JsonPath: "revision"),
        ["approve rate source"] = new("POST", One, """{"revision":0,"rateRule":"kraken(BTC_USD)"}""", 422, JsonPath: "rateRule"),
        ["approve stale revision"] = new("POST", One, """{"revision":5}""", 400, "old-revision"),
        ["approve unknown payout"] = new("POST", "/api/v1/stores/{store}/payouts/NoSuchPayout", """{"revision":0}""", 404, "payout-not-found"),
        ["approve payout id injection"] = new("POST", "/api/v1/stores/{store}/payouts/x'%20OR%201=1", """{"revision":0}""", 404, "payout-not-found"),
        ["get unknown payout"] = new("GET", "/api/v1/stores/{store}/payouts/NoSuchPayout", null, 404, "payout-not-found"),
        ["cancel unknown payout"] = new("DELETE", "/api/v1/stores/{store}/payouts/NoSuchPayout", null, 404, "payout-not-found"),
        ["mark-paid before approval"] = new("POST", One + "/mark-paid", null, 400, "invalid-state"),
        ["mark without state"] = new("POST", One + "/mark", "{}", 422, JsonPath: "state"),
        ["mark unknown state"] = new("POST", One + "/mark", """{"state":"Paid"}""", 422, JsonPath: "state"),
        ["mark state as number"] = new("POST", One + "/mark", """{"state":3}""", 422, JsonPath: "state"),
        ["mark cancelled"] = new("POST", One + "/mark", """{"state":"Cancelled"}""", 400, "invalid-state"),
        ["mark before approval"] = new("POST", One + "/mark", """{"state":"Completed"}""", 400, "invalid-state"),
        ["mark proof not object"] = new("POST", One + "/mark", """{"state":"Completed","paymentProof":"tx"}""", 422, JsonPath: "paymentProof"),
        ["store without name"] = new("POST", "/api/v1/stores", "{}", 422, JsonPath: "name"),
        ["store blank name"] = new("POST", "/api/v1/stores", """{"name":"   "}""", 422, JsonPath: "name"),
        ["store oversized name"] = new("POST", "/api/v1/stores", $$"""{"name":"{{new string('n', 201)}}"}""", 422, JsonPath: "name"),
        ["store name wrong type"] = new("POST", "/api/v1/stores", """{"name":["a"]}""", 422, JsonPath: "name"),
        ["store by scoped key"] = new("POST", "/api/v1/stores", """{"name":"x"}""", 403, "missing-permission", Auth: ScopedKey),
        ["pull payment without amount"] = new("POST", "/api/v1/stores/{store}/pull-payments", """{"currency":"BTC"}""", 422, JsonPath: "amount"),
        ["pull payment bad currency"] = new("POST", "/api/v1/stores/{store}/pull-payments", """{"amount":"1","currency":"B"}""", 422, JsonPath: "currency"),
        ["pull payment bad expiry days"] = new("POST", "/api/v1/stores/{store}/pull-payments", """{"amount":"1","currency":"BTC","BOLT11Expiration":-1}""", 422, JsonPath: "BOLT11Expiration"),
        ["pull payment expires before start"] = new("POST", "/api/v1/stores/{store}/pull-payments", """{"amount":"1","currency":"BTC","startsAt":2000000000,"expiresAt":1900000000}""", 422, JsonPath: "expiresAt"),
        ["pull payment unknown method"] = new("POST", "/api/v1/stores/{store}/pull-payments", """{"amount":"1","currency":"BTC","payoutMethods":["DOGE"]}""", 422, JsonPath: "payoutMethods[0]"),
        ["pull payment no methods"] = new("POST", "/api/v1/stores/{store}/pull-payments", """{"amount":"1","currency":"BTC","payoutMethods":[]}""", 422, JsonPath: "payoutMethods"),
        ["pull payment negative time"] = new("POST", "/api/v1/stores/{store}/pull-payments", """{"amount":"1","currency":"BTC","startsAt":-5}""", 422, JsonPath: "startsAt"),
        ["claim negative amount"] = new("POST", "/api/v1/pull-payments/{pp}/payouts", $$"""{"destination":"{{Addr}}","amount":"-1","payoutMethodId":"BTC-CHAIN"}""", 422, JsonPath: "amount", Auth: null),
        ["claim over limit"] = new("POST", "/api/v1/pull-payments/{pp}/payouts", $$"""{"destination":"{{Addr}}","amount":"2","payoutMethodId":"BTC-CHAIN"}""", 400, "overdraft", Auth: null),
        ["claim unsupported method"] = new("POST", "/api/v1/pull-payments/{pp}/payouts", """{"destination":"payee@example.com","payoutMethodId":"BTC-LN"}""", 400, "payment-method-not-supported", Auth: null),
        ["claim unknown pull payment"] = new("POST", "/api/v1/pull-payments/NoSuchPullPayment/payouts", $$"""{"destination":"{{Addr}}","payoutMethodId":"BTC-CHAIN"}""", 404, "pullpayment-not-found", Auth: null),
        ["get unknown pull payment"] = new("GET", "/api/v1/pull-payments/NoSuchPullPayment", null, 404, "pullpayment-not-found", Auth: null),
        ["unknown route"] = new("GET", "/api/v1/nothing-here", null, 404, "not-found"),
        ["form-encoded approve"] = new("POST", One, "revision=0", 415, "unsupported-media-type", ContentType: "application/x-www-form-urlencoded"),
        ["flattened approve by another store's key"] = new("POST", "/api/v1/payouts/{payout}", """{"revision":0}""", 403, "missing-permission", Auth: ScopedKey),
        ["flattened cancel by another store's key"] = new("DELETE", "/api/v1/payouts/{payout}", null, 403, "missing-permission", Auth: ScopedKey),
        ["flattened mark-paid by view-only key"] = new("POST", "/api/v1/payouts/{payout}/mark-paid", null, 403, "missing-permission", Auth: ViewOnlyKey),
        ["flattened unknown payout"] = new("GET", "/api/v1/payouts/NoSuchPayout", null, 404, "payout-not-found"),
        ["flattened without key"] = new("GET", "/api/v1/payouts/{payout}", null, 401, "unauthenticated", Auth: null),
        ["list with limit 0"] = new("GET", P + "?limit=0", null, 422, JsonPath: "limit"),
        ["list with limit 1001"] = new("GET", P + "?limit=1001", null, 422, JsonPath: "limit"),
        ["list with forged cursor"] = new("GET", P + "?cursor=%27%20OR%201%3D1", null, 422, JsonPath: "cursor"),
        ["list with unknown state"] = new("GET", P + "?state=Paid", null, 422, JsonPath: "state"),
        ["list with numeric state"] = new("GET", P + "?state=1", null, 422, JsonPath: "state"),
        ["list with bad createdFrom"] = new("GET", P + "?createdFrom=yesterday", null, 422, JsonPath: "createdFrom"),
        ["list with bad includeCancelled"] = new("GET", P + "?includeCancelled=maybe", null, 422, JsonPath: "includeCancelled"),
        ["bulk with object body"] = new("POST", P + "/bulk", $$"""{"destination":"{{Addr}}"}""", 422, JsonPath: "$"),
        ["bulk empty"] = new("POST", P + "/bulk", "[]", 422, JsonPath: "$"),
        ["bulk item invalid"] = new("POST", P + "/bulk", $$"""[{"destination":"{{Addr}}","amount":"-1","payoutMethodId":"BTC-CHAIN"}]""", 422, JsonPath: "[0].amount"),
        ["bulk item null"] = new("POST", P + "/bulk", "[null]", 422, JsonPath: "[0]"),
        ["bulk duplicate destinations"] = new("POST", P + "/bulk", $$"""[{"destination":"{{Addr2}}","amount":"0.001","payoutMethodId":"BTC-CHAIN"},{"destination":"{{Addr2}}","amount":"0.002","payoutMethodId":"BTC-CHAIN"}]""", 400, "duplicate-destination"),
        ["idempotency key too long"] = new("POST", P, $$"""{"destination":"{{Addr2}}","amount":"0.001","payoutMethodId":"BTC-CHAIN"}""", 400, "invalid-idempotency-key", IdempotencyKey: new string('k', 256)),
        ["idempotency key with space"] = new("POST", P, $$"""{"destination":"{{Addr2}}","amount":"0.001","payoutMethodId":"BTC-CHAIN"}""", 400, "invalid-idempotency-key", IdempotencyKey: "a b"),
        ["api key with unknown permission"] = new("POST", "/api/v1/api-keys", """{"label":"x","permissions":["btcpay.store.candoanything"]}""", 422, JsonPath: "permissions[0]"),
        ["api key escalating permissions"] = new("POST", "/api/v1/api-keys", """{"label":"x","permissions":["btcpay.server.canmodifyserversettings"]}""", 403, "missing-permission", Auth: ViewOnlyKey),
        ["api key permissions not a list"] = new("POST", "/api/v1/api-keys", """{"label":"x","permissions":"all"}""", 422, JsonPath: "permissions"),
        ["api key list by non-admin"] = new("GET", "/api/v1/api-keys", null, 403, "missing-permission", Auth: ViewOnlyKey),
        ["revoke unknown api key"] = new("DELETE", "/api/v1/api-keys/NoSuchKeyId", null, 404, "apikey-not-found"),
        ["delete store by scoped key"] = new("DELETE", "/api/v1/stores/{store}", null, 403, "missing-permission", Auth: ScopedKey),
        ["delete unknown store"] = new("DELETE", "/api/v1/stores/NoSuchStore", null, 404, "store-not-found"),
        ["processor unknown"] = new("PUT", "/api/v1/stores/{store}/payout-processors/MagicSender/BTC-CHAIN", "{}", 404, "processor-not-found"),
        ["processor wrong method"] = new("PUT", "/api/v1/stores/{store}/payout-processors/OnChainAutomatedPayoutSenderFactory/BTC-LN", "{}", 400, "payment-method-not-supported"),
        ["processor interval zero"] = new("PUT", "/api/v1/stores/{store}/payout-processors/OnChainAutomatedPayoutSenderFactory/BTC-CHAIN", """{"intervalSeconds":0}""", 422, JsonPath: "intervalSeconds"),
        ["processor interval too long"] = new("PUT", "/api/v1/stores/{store}/payout-processors/OnChainAutomatedPayoutSenderFactory/BTC-CHAIN", """{"intervalSeconds":86401}""", 422, JsonPath: "intervalSeconds"),
        ["processor fee target too high"] = new("PUT", "/api/v1/stores/{store}/payout-processors/OnChainAutomatedPayoutSenderFactory/BTC-CHAIN", """{"feeTargetBlock":1001}""", 422, JsonPath: "feeTargetBlock"),
        ["processor negative threshold"] = new("PUT", "/api/v1/stores/{store}/payout-processors/OnChainAutomatedPayoutSenderFactory/BTC-CHAIN", """{"threshold":"-0.1"}""", 422, JsonPath: "threshold"),
        ["processor unknown field"] = new("PUT", "/api/v1/stores/{store}/payout-processors/LightningAutomatedPayoutSenderFactory/BTC-LN", """{"feeTargetBlock":3}""", 422, JsonPath: "feeTargetBlock"),
        ["processor delete when none"] = new("DELETE", "/api/v1/stores/{store}/payout-processors/OnChainAutomatedPayoutSenderFactory/BTC-CHAIN", null, 404, "processor-not-found"),
        ["processor settings by view-only key"] = new("PUT", "/api/v1/stores/{store}/payout-processors/OnChainAutomatedPayoutSenderFactory/BTC-CHAIN", "{}", 403, "missing-permission", Auth: ViewOnlyKey),
        ["archive pull payment of unknown store"] = new("DELETE", "/api/v1/stores/NoSuchStore/pull-payments/{pp}", null, 404, "pullpayment-not-found"),
        ["archive pull payment without key"] = new("DELETE", "/api/v1/pull-payments/{pp}", null, 401, "unauthenticated", Auth: null),
        ["pull payment listing bad flag"] = new("GET", "/api/v1/stores/{store}/pull-payments?includeArchived=perhaps", null, 422, JsonPath: "includeArchived"),
    };

    public static TheoryData<string> Names => new(Cases.Keys);

    [Theory, MemberData(nameof(Names))]
    public async Task BadRequestGetsAClearErrorAndChangesNothing(string name)
    {
        var c = Cases[name];
        var before = await fx.Node.Probe().CountAll();
        var payoutBefore = await fx.Node.Probe().Payout(fx.PayoutId);

        using var client = fx.Node.CreateClient();
        var path = c.Path.Replace("{store}", fx.StoreId, StringComparison.Ordinal)
            .Replace("{payout}", fx.PayoutId, StringComparison.Ordinal).Replace("{pp}", fx.PullPaymentId, StringComparison.Ordinal);
        using var request = new HttpRequestMessage(new HttpMethod(c.Method), path);
        if (c.Body is not null) request.Content = new StringContent(c.Body, Encoding.UTF8, c.ContentType);
        if (c.Auth is { } auth)
            request.Headers.TryAddWithoutValidation("Authorization", auth.StartsWith('@') ? auth[1..] : $"token {auth}");
        if (c.IdempotencyKey is { } idem)
            request.Headers.TryAddWithoutValidation("Idempotency-Key", idem);
        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();

        Assert.True((int)response.StatusCode == c.Status, $"{name}: expected {c.Status}, got {(int)response.StatusCode}: {body}");
        var json = JsonNode.Parse(body)!;
        if (c.Status == 422)
        {
            var errors = json.AsArray();
            Assert.NotEmpty(errors);
            Assert.Contains(errors, e => e!["path"]!.GetValue<string>() == c.JsonPath);
            // A 422 entry carries a code only where a client may act on it (the destination), and then the expected one.
            Assert.All(errors, e => Assert.Equal(e!["path"]!.GetValue<string>() == c.JsonPath ? c.Code : null, e["code"]?.GetValue<string>()));
            Assert.All(errors, e => Assert.False(string.IsNullOrWhiteSpace(e!["message"]!.GetValue<string>())));
        }
        else
        {
            Assert.Equal(c.Code, json["code"]!.GetValue<string>());
            Assert.False(string.IsNullOrWhiteSpace(json["message"]!.GetValue<string>()));
        }
        Assert.Equal(before, await fx.Node.Probe().CountAll());
        Assert.Equal(payoutBefore, await fx.Node.Probe().Payout(fx.PayoutId));
    }

    [Fact]
    public async Task DestinationAndDustRefusalsSayWhy()
    {
        using var client = fx.Node.Admin();
        var destination = await Http.Expect(await client.PostAsync($"/api/v1/stores/{fx.StoreId}/payouts",
            Http.Json("""{"destination":"BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P","amount":"0.001","payoutMethodId":"BTC-CHAIN"}""")),
            HttpStatusCode.UnprocessableEntity);
        var dust = await Http.Expect(await client.PostAsync($"/api/v1/stores/{fx.StoreId}/payouts",
            Http.Json($$"""{"destination":"{{Addr}}","amount":"0.00000293","payoutMethodId":"BTC-CHAIN"}""")),
            HttpStatusCode.UnprocessableEntity);

        Assert.Equal(
            """[{"path":"destination","message":"The destination has a version 0 witness program of 16 bytes; it must be 20 or 32.","code":"invalid-destination"}]""",
            destination.ToJsonString());
        Assert.Equal(
            """[{"path":"amount","message":"The amount must be at least 0.00000294 BTC, the dust limit of a p2wpkh address."}]""",
            dust.ToJsonString());
    }

    [Fact]
    public void TheTableIsLargeAndCoversEveryStatus()
    {
        Assert.True(Cases.Count >= 100);
        foreach (var status in new[] { 400, 401, 403, 404, 413, 415, 422 })
            Assert.Contains(Cases.Values, c => c.Status == status);
    }

    public sealed class Fixture : IAsyncLifetime
    {
        public InProcessNode Node { get; } = InProcessNode.Sqlite();
        public string StoreId { get; private set; } = "";
        public string PayoutId { get; private set; } = "";
        public string PullPaymentId { get; private set; } = "";

        public async Task InitializeAsync()
        {
            using var admin = Node.Admin();
            StoreId = await Http.CreateStore(admin);
            var otherStore = await Http.CreateStore(admin, "Other");
            PayoutId = (await Http.CreatePayout(admin, StoreId, Http.Address(1)))["id"]!.GetValue<string>();
            var pp = await Http.Expect(await admin.PostAsync($"/api/v1/stores/{StoreId}/pull-payments",
                Http.Json("""{"name":"Bounty","amount":"1","currency":"BTC","payoutMethods":["BTC-CHAIN"]}""")), HttpStatusCode.OK);
            PullPaymentId = pp["id"]!.GetValue<string>();

            var keys = Node.Services.GetRequiredService<IPayoutsStore>();
            await keys.ApiKeyCreate(new ApiKey("scoped", ApiKey.Hash(ScopedKey), "scoped", [$"{Permissions.ManagePayouts}:{otherStore}"],
                false, DateTimeOffset.UnixEpoch, null), null, default);
            await keys.ApiKeyCreate(new ApiKey("viewonly", ApiKey.Hash(ViewOnlyKey), "view", [Permissions.ViewPayouts],
                false, DateTimeOffset.UnixEpoch, null), null, default);
        }

        public async Task DisposeAsync() => await Node.DisposeAsync();
    }
}
