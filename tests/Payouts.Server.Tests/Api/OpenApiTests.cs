using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Payouts.Server.Tests.Support;

namespace Payouts.Server.Tests.Api;

/// <summary>The OpenAPI document describes every endpoint the node serves, and a browsable page renders it.</summary>
public sealed class OpenApiTests
{
    [Fact]
    public async Task DocumentListsEveryMappedEndpointWithItsMethod()
    {
        await using var node = InProcessNode.Sqlite();
        using var client = node.CreateClient();
        var doc = await Http.Get(client, "/openapi/v1.json");
        var paths = doc["paths"]!.AsObject();

        var endpoints = node.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<IHttpMethodMetadata>() is { HttpMethods.Count: > 0 })
            .Where(e => e.RoutePattern.RawText is { } raw && !raw.StartsWith("/openapi", StringComparison.Ordinal) && !raw.Contains("{*", StringComparison.Ordinal))
            .ToList();
        Assert.True(endpoints.Count >= 35, $"only {endpoints.Count} endpoints found");
        foreach (var e in endpoints)
        {
            var path = "/" + e.RoutePattern.RawText!.Trim('/');
            Assert.True(paths.ContainsKey(path), $"{path} is missing from the OpenAPI document");
            foreach (var method in e.Metadata.GetMetadata<IHttpMethodMetadata>()!.HttpMethods)
                Assert.True(paths[path]!.AsObject().ContainsKey(method.ToLowerInvariant()), $"{method} {path} is missing");
        }
    }

    [Fact]
    public async Task AmountsAreDocumentedAsDecimalStringsAndErrorsInGreenfieldShape()
    {
        await using var node = InProcessNode.Sqlite();
        using var client = node.CreateClient();
        var doc = await Http.Get(client, "/openapi/v1.json");
        var payout = doc["components"]!["schemas"]!["PayoutData"]!["properties"]!;
        Assert.Equal("decimal", payout["originalAmount"]!["format"]!.GetValue<string>());
        Assert.Equal("string", payout["originalAmount"]!["type"]!.GetValue<string>());
        var create = doc["paths"]!["/api/v1/stores/{storeId}/payouts"]!["post"]!;
        Assert.NotNull(create["requestBody"]);
        Assert.NotNull(create["responses"]!["422"]);
        Assert.NotNull(doc["components"]!["schemas"]!["GreenfieldError"]);
    }

    [Fact]
    public async Task BrowsablePageIsServed()
    {
        await using var node = InProcessNode.Sqlite();
        using var client = node.CreateClient();
        using var response = await client.GetAsync("/docs/index.html");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("swagger", html, StringComparison.OrdinalIgnoreCase);
    }
}
