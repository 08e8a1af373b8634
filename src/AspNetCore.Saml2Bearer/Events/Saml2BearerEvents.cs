namespace AspNetCore.Saml2Bearer.Events;

/// <summary>
/// The events of the SAML 2.0 bearer handler. Set the delegates, or derive and override the methods
/// and register the type as <c>EventsType</c>.
/// </summary>
public class Saml2BearerEvents
{
    /// <summary>Invoked first, before the request is read. May supply the assertion.</summary>
    public Func<MessageReceivedContext, Task> OnMessageReceived { get; set; } = context => Task.CompletedTask;

    /// <summary>Invoked when the assertion passed local validation.</summary>
    public Func<AssertionValidatedContext, Task> OnAssertionValidated { get; set; } = context => Task.CompletedTask;

    /// <summary>Invoked when the token service returned a token.</summary>
    public Func<TokenReceivedContext, Task> OnTokenReceived { get; set; } = context => Task.CompletedTask;

    /// <summary>Invoked when the principal has been built.</summary>
    public Func<TokenValidatedContext, Task> OnTokenValidated { get; set; } = context => Task.CompletedTask;

    /// <summary>Invoked when authentication failed.</summary>
    public Func<AuthenticationFailedContext, Task> OnAuthenticationFailed { get; set; } = context => Task.CompletedTask;

    /// <summary>Invoked before a challenge is written.</summary>
    public Func<ChallengeContext, Task> OnChallenge { get; set; } = context => Task.CompletedTask;

    /// <summary>Invoked before a 403 is written.</summary>
    public Func<ForbiddenContext, Task> OnForbidden { get; set; } = context => Task.CompletedTask;

    /// <summary>Invokes <see cref="OnMessageReceived"/>.</summary>
    /// <param name="context">The context.</param>
    /// <returns>The event's task.</returns>
    public virtual Task MessageReceived(MessageReceivedContext context) => OnMessageReceived(context);

    /// <summary>Invokes <see cref="OnAssertionValidated"/>.</summary>
    /// <param name="context">The context.</param>
    /// <returns>The event's task.</returns>
    public virtual Task AssertionValidated(AssertionValidatedContext context) => OnAssertionValidated(context);

    /// <summary>Invokes <see cref="OnTokenReceived"/>.</summary>
    /// <param name="context">The context.</param>
    /// <returns>The event's task.</returns>
    public virtual Task TokenReceived(TokenReceivedContext context) => OnTokenReceived(context);

    /// <summary>Invokes <see cref="OnTokenValidated"/>.</summary>
    /// <param name="context">The context.</param>
    /// <returns>The event's task.</returns>
    public virtual Task TokenValidated(TokenValidatedContext context) => OnTokenValidated(context);

    /// <summary>Invokes <see cref="OnAuthenticationFailed"/>.</summary>
    /// <param name="context">The context.</param>
    /// <returns>The event's task.</returns>
    public virtual Task AuthenticationFailed(AuthenticationFailedContext context) => OnAuthenticationFailed(context);

    /// <summary>Invokes <see cref="OnChallenge"/>.</summary>
    /// <param name="context">The context.</param>
    /// <returns>The event's task.</returns>
    public virtual Task Challenge(ChallengeContext context) => OnChallenge(context);

    /// <summary>Invokes <see cref="OnForbidden"/>.</summary>
    /// <param name="context">The context.</param>
    /// <returns>The event's task.</returns>
    public virtual Task Forbidden(ForbiddenContext context) => OnForbidden(context);
}
