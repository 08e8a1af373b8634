namespace AspNetCore.Saml2Bearer.Assertions;

/// <summary>
/// The processing rules of RFC 7522 section 3 and SAML core for a verified assertion: subject, times,
/// audience restrictions, bearer subject confirmation and lifetime. A SAML 1.1 assertion meets the same
/// time, audience and lifetime rules; its subject rules are SAML 1.1's (every statement names the same
/// subject, each confirmed by the bearer method) and it has no Recipient to check.
/// </summary>
internal static class Saml2AssertionRules
{
    public static Saml2AssertionValidationResult Check(
        Saml2AssertionReader reader,
        Saml2AssertionSignature signature,
        Saml2AssertionValidationParameters parameters,
        HashSet<string> validAudiences,
        HashSet<string> validRecipients)
    {
        var isSaml11 = reader.Version == Saml2AssertionVersion.Saml11;
        if (!reader.HasSubject)
        {
            return Fail(Saml2AssertionFailureReason.SubjectMissing);
        }

        if (isSaml11 && CheckSaml11Subjects(reader.StatementSubjects) is var subjectFault && subjectFault != Saml2AssertionFailureReason.None)
        {
            return Fail(subjectFault);
        }

        if (reader.NameId is null || reader.NameId.Value.Length == 0)
        {
            return Fail(Saml2AssertionFailureReason.NameIdMissing);
        }

        var now = parameters.TimeProvider.GetUtcNow();
        var skew = parameters.ClockSkew;
        var conditions = reader.Conditions;

        if (reader.IssueInstant > now + skew || conditions?.NotBefore > now + skew)
        {
            return Fail(Saml2AssertionFailureReason.NotYetValid);
        }

        if (conditions?.NotOnOrAfter <= now - skew)
        {
            return Fail(Saml2AssertionFailureReason.Expired);
        }

        if (conditions is null || conditions.AudienceRestrictions.Count == 0)
        {
            return Fail(Saml2AssertionFailureReason.AudienceRestrictionMissing);
        }

        // SAML core 2.5.1.4: every AudienceRestriction must hold on its own.
        foreach (var restriction in conditions.AudienceRestrictions)
        {
            if (!restriction.Any(validAudiences.Contains))
            {
                return Fail(Saml2AssertionFailureReason.AudienceInvalid);
            }
        }

        if (conditions.NotOnOrAfter is null && !reader.SubjectConfirmations.Any(c => c.NotOnOrAfter is not null))
        {
            return Fail(Saml2AssertionFailureReason.ExpiryMissing);
        }

        Saml2SubjectConfirmation? bearer;
        DateTimeOffset validTo;
        if (isSaml11)
        {
            // Every subject was found bearer-confirmed above; SAML 1.1 confirmations carry no times.
            bearer = reader.SubjectConfirmations.First(c => string.Equals(c.Method, Saml2Constants.Saml11BearerMethod, StringComparison.Ordinal));
            validTo = conditions.NotOnOrAfter!.Value;
        }
        else
        {
            var reason = FindBearerConfirmation(reader.SubjectConfirmations, now, skew, validRecipients, out bearer);
            if (bearer is null)
            {
                return Fail(reason);
            }

            validTo = conditions.NotOnOrAfter is { } conditionsExpiry && conditionsExpiry < bearer.NotOnOrAfter!.Value
                ? conditionsExpiry
                : bearer.NotOnOrAfter!.Value;
        }

        if (Lifetime(reader.IssueInstant!.Value, conditions.NotBefore, validTo) > parameters.MaximumLifetime)
        {
            return Fail(Saml2AssertionFailureReason.LifetimeTooLong);
        }

        return Saml2AssertionValidationResult.Success(new Saml2Assertion
        {
            Version = reader.Version,
            Id = reader.Id!,
            Issuer = reader.Issuer!,
            IssueInstant = reader.IssueInstant!.Value,
            NameId = reader.NameId,
            SubjectConfirmations = reader.SubjectConfirmations.ToArray(),
            BearerConfirmation = bearer,
            Conditions = conditions,
            AuthenticationStatements = reader.AuthenticationStatements.ToArray(),
            Attributes = reader.Attributes.ToArray(),
            SignatureAlgorithm = signature.SignatureAlgorithm.Uri,
            DigestAlgorithm = signature.DigestAlgorithm.Uri,
            ValidTo = validTo,
        });
    }

    /// <summary>
    /// How long an assertion is accepted for: from when it can first be used, the later of
    /// <c>IssueInstant</c> and <c>NotBefore</c>, to its effective <c>NotOnOrAfter</c>. A <c>NotBefore</c>
    /// backdated before <c>IssueInstant</c> to absorb clock skew (Microsoft Entra ID writes it 5 minutes
    /// early, so its stock window is 65 minutes for a 60-minute assertion) does not count: the assertion did
    /// not exist before it was issued, and one issued in the future is already refused as not yet valid.
    /// An old <c>IssueInstant</c> with a far <c>NotOnOrAfter</c> still counts in full. Shared by SAML 2.0
    /// and SAML 1.1 (whose Conditions carry the same two times).
    /// </summary>
    internal static TimeSpan Lifetime(DateTimeOffset issueInstant, DateTimeOffset? notBefore, DateTimeOffset validTo)
    {
        var validFrom = notBefore is { } start && start > issueInstant ? start : issueInstant;
        return validTo - validFrom;
    }

    /// <summary>
    /// SAML 1.1 core 2.4.2: each subject statement carries its own Subject. All of them must name the same
    /// NameIdentifier (value, Format and NameQualifier), never "take the first", and each must be confirmed
    /// by the bearer method.
    /// </summary>
    private static Saml2AssertionFailureReason CheckSaml11Subjects(List<Saml2AssertionReader.StatementSubject> subjects)
    {
        var first = subjects[0].NameId;
        foreach (var subject in subjects)
        {
            if (subject.NameId != first)
            {
                return Saml2AssertionFailureReason.SubjectMismatch;
            }
        }

        foreach (var subject in subjects)
        {
            if (subject.ConfirmationMethods.Count == 0)
            {
                return Saml2AssertionFailureReason.BearerConfirmationMissing;
            }

            if (!subject.ConfirmationMethods.Contains(Saml2Constants.Saml11BearerMethod, StringComparer.Ordinal))
            {
                return Saml2AssertionFailureReason.SubjectConfirmationNotBearer;
            }
        }

        return Saml2AssertionFailureReason.None;
    }

    /// <summary>
    /// Finds a bearer confirmation whose Recipient is valid and whose time window holds (RFC 7522
    /// section 3, item 3). When none does, the reason describes the first bearer confirmation's fault.
    /// </summary>
    private static Saml2AssertionFailureReason FindBearerConfirmation(
        IReadOnlyList<Saml2SubjectConfirmation> confirmations,
        DateTimeOffset now,
        TimeSpan skew,
        HashSet<string> validRecipients,
        out Saml2SubjectConfirmation? bearer)
    {
        bearer = null;
        var firstFault = Saml2AssertionFailureReason.BearerConfirmationMissing;
        foreach (var confirmation in confirmations)
        {
            if (!string.Equals(confirmation.Method, Saml2Constants.BearerMethod, StringComparison.Ordinal))
            {
                continue;
            }

            var fault = confirmation switch
            {
                { Recipient: null or "" } => Saml2AssertionFailureReason.RecipientMissing,
                { Recipient: var recipient } when !validRecipients.Contains(recipient) => Saml2AssertionFailureReason.RecipientInvalid,
                { NotOnOrAfter: null } => Saml2AssertionFailureReason.SubjectConfirmationExpiryMissing,
                { NotOnOrAfter: var notOnOrAfter } when notOnOrAfter <= now - skew => Saml2AssertionFailureReason.SubjectConfirmationExpired,
                { NotBefore: var notBefore } when notBefore > now + skew => Saml2AssertionFailureReason.SubjectConfirmationExpired,
                _ => Saml2AssertionFailureReason.None,
            };

            if (fault == Saml2AssertionFailureReason.None)
            {
                bearer = confirmation;
                return fault;
            }

            if (firstFault == Saml2AssertionFailureReason.BearerConfirmationMissing)
            {
                firstFault = fault;
            }
        }

        return firstFault;
    }

    private static Saml2AssertionValidationResult Fail(Saml2AssertionFailureReason reason) =>
        Saml2AssertionValidationResult.Failure(reason);
}
