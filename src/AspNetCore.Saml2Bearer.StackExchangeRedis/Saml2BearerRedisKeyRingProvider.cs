using System.Collections.Concurrent;
using Microsoft.AspNetCore.DataProtection.AuthenticatedEncryption;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.KeyManagement.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AspNetCore.Saml2Bearer.StackExchangeRedis;

/// <summary>
/// Data Protection's key ring provider, made to see keys that other instances added to the shared ring
/// in Redis after this instance loaded it. Data Protection reloads its ring every 24 hours, and on an
/// unknown key id only in the first 2 minutes after start: a long-running instance cannot otherwise read
/// what an instance restarted after a Redis flush (with a new key) protects. Here, a key id the loaded
/// ring lacks is looked up in the repository (after writing back this instance's keys if the ring was
/// lost, <see cref="Saml2BearerRedisXmlRepository.Restore"/>), the ring read again only when the list
/// in Redis has grown since. Protecting still uses the loaded ring's default key. With a key ring of the
/// application's (not in <see cref="Saml2BearerRedisXmlRepository"/>) only Data Protection's own
/// behaviour is kept, which its provider loses behind this one: a lookup for an unknown key id in the
/// first 2 minutes.
/// </summary>
internal sealed class Saml2BearerRedisKeyRingProvider : IKeyRingProvider
{
    private readonly IKeyRingProvider _inner;
    private readonly IKeyManager _keyManager;
    private readonly Saml2BearerRedisXmlRepository _repository;
    private readonly IOptions<KeyManagementOptions> _keyManagementOptions;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<Guid, LoadedKey> _loaded = new();
    private Dictionary<Guid, IKey> _sharedKeys = [];
    private long _storedCountAtLastRead = -1;

    // Data Protection's own window (KeyRingProvider: 2 minutes after it is made, on its clock, DateTime.UtcNow).
    private readonly DateTime _autoRefreshWindowEnd = DateTime.UtcNow.AddMinutes(2);
    private readonly Lock _lookupGate = new();
    private SharedKeyRing? _current;
    private int _active = -1;

    public Saml2BearerRedisKeyRingProvider(
        IKeyRingProvider inner,
        IKeyManager keyManager,
        Saml2BearerRedisXmlRepository repository,
        IOptions<KeyManagementOptions> keyManagementOptions,
        ILogger logger)
    {
        _inner = inner;
        _keyManager = keyManager;
        _repository = repository;
        _keyManagementOptions = keyManagementOptions;
        _logger = logger;
    }

    public IKeyRing GetCurrentKeyRing()
    {
        // Always wrapped: Data Protection reloads its ring for an unknown key id in its first 2 minutes
        // only when it sees its own provider, so with a ring of the application's this wrapper keeps that
        // window (and no more).
        var ring = _inner.GetCurrentKeyRing();
        var current = Volatile.Read(ref _current);
        if (current is not null && ReferenceEquals(current.Inner, ring))
        {
            return current;
        }

        current = new SharedKeyRing(ring, this);
        Volatile.Write(ref _current, current);
        return current;
    }

    /// <summary>Whether the key ring is kept in this package's repository (not one the application set).</summary>
    private bool IsActive
    {
        get
        {
            var active = Volatile.Read(ref _active);
            if (active < 0)
            {
                active = ReferenceEquals(_keyManagementOptions.Value.XmlRepository, _repository) ? 1 : 0;
                Volatile.Write(ref _active, active);
            }

            return active == 1;
        }
    }

    /// <summary>
    /// The encryptor of a key the loaded ring lacks, from the shared ring; <see langword="null"/> if it is
    /// not there. The list in Redis only grows (keys and revocations are appended), so the ring is read
    /// again only when its length changed since the last read: a key id that is in no ring (another
    /// application's data, or forged) costs one <c>LLEN</c>, not a read and parse of the ring.
    /// </summary>
    private IAuthenticatedEncryptor? FindKey(Guid keyId, out bool isRevoked)
    {
        if (_loaded.TryGetValue(keyId, out var loaded))
        {
            isRevoked = loaded.IsRevoked;
            return loaded.Encryptor;
        }

        isRevoked = false;
        var active = IsActive;
        if (!active && DateTime.UtcNow >= _autoRefreshWindowEnd)
        {
            return null;
        }

        try
        {
            var storedCount = active ? _repository.StoredCount() : -1;
            lock (_lookupGate)
            {
                if (_loaded.TryGetValue(keyId, out loaded))
                {
                    isRevoked = loaded.IsRevoked;
                    return loaded.Encryptor;
                }

                if (!active || storedCount != _storedCountAtLastRead)
                {
                    // This instance's own keys first, if the ring was lost: then the instance that wrote
                    // with the unknown key can read this one's data too.
                    if (active)
                    {
                        _repository.Restore();
                    }

                    var keys = new Dictionary<Guid, IKey>();
                    foreach (var key in _keyManager.GetAllKeys())
                    {
                        keys.TryAdd(key.KeyId, key);
                    }

                    _sharedKeys = keys;
                    _storedCountAtLastRead = active ? _repository.StoredCount() : -1;
                }

                if (!_sharedKeys.TryGetValue(keyId, out var found) || found.CreateEncryptor() is not { } encryptor)
                {
                    Saml2BearerRedisLog.KeyRingKeyNotFound(_logger, keyId);
                    return null;
                }

                // A revocation appended later takes effect with Data Protection's next reload of the ring
                // (24 hours), as for the keys of the loaded ring.
                _loaded[keyId] = new LoadedKey(encryptor, found.IsRevoked);
                Saml2BearerRedisLog.KeyRingKeyLoaded(_logger, keyId);
                isRevoked = found.IsRevoked;
                return encryptor;
            }
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // Redis down or an unreadable ring: the data is undecryptable now, as without this lookup.
            Saml2BearerRedisLog.KeyRingReadFailed(_logger, exception.GetType().Name, keyId);
            return null;
        }
    }

    private sealed record LoadedKey(IAuthenticatedEncryptor Encryptor, bool IsRevoked);

    /// <summary>The loaded ring, with the shared ring behind it for key ids it lacks.</summary>
    private sealed class SharedKeyRing : IKeyRing
    {
        private readonly Saml2BearerRedisKeyRingProvider _provider;

        public SharedKeyRing(IKeyRing inner, Saml2BearerRedisKeyRingProvider provider)
        {
            Inner = inner;
            _provider = provider;
        }

        public IKeyRing Inner { get; }

        public IAuthenticatedEncryptor? DefaultAuthenticatedEncryptor => Inner.DefaultAuthenticatedEncryptor;

        public Guid DefaultKeyId => Inner.DefaultKeyId;

        public IAuthenticatedEncryptor? GetAuthenticatedEncryptorByKeyId(Guid keyId, out bool isRevoked) =>
            Inner.GetAuthenticatedEncryptorByKeyId(keyId, out isRevoked) ?? _provider.FindKey(keyId, out isRevoked);
    }
}
