using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Http;
using OpenIddict.Server;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace AspNetCore.Saml2Bearer.OpenIddict;

/// <summary>
/// Answers a grant refused because the replay store could not answer with HTTP 503 instead of the 400 that
/// OpenIddict gives every error but <c>invalid_client</c> and <c>server_error</c>: the client's request was
/// fine, the server is temporarily unable to check it, and a retry may succeed.
/// </summary>
internal sealed class AttachSaml2BearerUnavailableStatus : IOpenIddictServerHandler<ApplyTokenResponseContext>
{
    /// <summary>Right after OpenIddict has chosen the status code, before the body is written.</summary>
    public static OpenIddictServerHandlerDescriptor Descriptor { get; }
        = OpenIddictServerHandlerDescriptor.CreateBuilder<ApplyTokenResponseContext>()
            .UseSingletonHandler<AttachSaml2BearerUnavailableStatus>()
            .SetOrder(OpenIddictServerAspNetCoreHandlers.AttachHttpResponseCode<ApplyTokenResponseContext>.Descriptor.Order + 1)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public ValueTask HandleAsync(ApplyTokenResponseContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (string.Equals(context.Response.Error, Errors.TemporarilyUnavailable, StringComparison.Ordinal)
            && string.Equals(context.Response.ErrorDescription, Saml2BearerGrantDefaults.ReplayCheckUnavailableDescription, StringComparison.Ordinal)
            && context.Transaction.GetHttpRequest()?.HttpContext.Response is { } response)
        {
            response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        }

        return ValueTask.CompletedTask;
    }
}
