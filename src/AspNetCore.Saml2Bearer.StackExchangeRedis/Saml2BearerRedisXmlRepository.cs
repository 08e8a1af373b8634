using System.Diagnostics;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace AspNetCore.Saml2Bearer.StackExchangeRedis;

/// <summary>
/// The Data Protection key ring in a Redis list (the format of <c>RedisXmlRepository</c>: one XML element
/// a list item, appended), made safe for instances that start together and for a lost list:
/// <list type="bullet">
/// <item>An instance that finds the list empty and has never seen a key takes a short creation lock
/// (<c>SET NX PX</c> on the list's key + <c>:lock</c>) before Data Protection creates the first key; the
/// others wait for that key instead of each creating one of their own.</item>
/// <item>Every element read or written is remembered, and <see cref="Restore"/> writes back those the
/// list has lost (a flush of a Redis without persistence), so that an instance restarted after the flush
/// can read the entries that the running ones still protect with the old key.</item>
/// </list>
/// Nothing is ever removed from the list (Data Protection only appends keys and revocations).
/// </summary>
internal sealed class Saml2BearerRedisXmlRepository : IXmlRepository
{
    /// <summary>How long the creation lock lives if its holder never stores a key.</summary>
    internal static readonly TimeSpan CreationLockExpiry = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    private readonly Saml2BearerRedisConnection _connection;
    private readonly RedisKey _key;
    private readonly RedisKey _lockKey;
    private readonly string _holder = Guid.NewGuid().ToString("N");
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly List<string> _known = [];
    private readonly HashSet<string> _knownSet = new(StringComparer.Ordinal);
    private bool _holdsCreationLock;

    public Saml2BearerRedisXmlRepository(Saml2BearerRedisConnection connection, IOptions<Saml2BearerRedisOptions> options, ILoggerFactory? loggerFactory = null)
    {
        _connection = connection;
        var key = options.Value.DataProtectionKeysKey is { Length: > 0 } configured ? configured : Saml2BearerRedisOptions.DefaultDataProtectionKeysKey;
        _key = key;
        _lockKey = key + ":lock";
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<Saml2BearerRedisXmlRepository>();
    }

    /// <summary>The Redis key of the list.</summary>
    public string Key => _key.ToString();

    /// <summary>The number of items in the list now (one Redis call).</summary>
    public long StoredCount() => Database.ListLength(_key);

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        var stored = ReadAll();
        if (stored.Length == 0)
        {
            stored = KnowsAny() ? RestoreAndRead() : WaitForFirstKey();
        }

        Remember(stored);
        return stored.Select(static xml => XElement.Parse(xml)).ToArray();
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        ArgumentNullException.ThrowIfNull(element);
        var xml = element.ToString(SaveOptions.DisableFormatting);
        Database.ListRightPush(_key, xml);
        Remember([xml]);

        bool release;
        lock (_gate)
        {
            release = _holdsCreationLock;
            _holdsCreationLock = false;
        }

        if (release)
        {
            Database.LockRelease(_lockKey, _holder);
        }
    }

    /// <summary>
    /// Writes back the remembered elements that the list no longer holds (under the creation lock, so two
    /// instances never write the same element twice); returns how many. Skipped when another instance
    /// holds the lock: the next call catches up.
    /// </summary>
    public int Restore()
    {
        string[] known;
        lock (_gate)
        {
            known = [.. _known];
        }

        if (known.Length == 0 || !known.Except(ReadAll(), StringComparer.Ordinal).Any() || !Database.LockTake(_lockKey, _holder, CreationLockExpiry))
        {
            return 0;
        }

        try
        {
            var missing = known.Except(ReadAll(), StringComparer.Ordinal).ToArray();
            foreach (var xml in missing)
            {
                Database.ListRightPush(_key, xml);
            }

            if (missing.Length > 0)
            {
                Saml2BearerRedisLog.KeyRingRestored(_logger, missing.Length, Key);
            }

            return missing.Length;
        }
        finally
        {
            Database.LockRelease(_lockKey, _holder);
        }
    }

    private IDatabase Database => _connection.GetDatabase();

    private string[] ReadAll() => Array.ConvertAll(Database.ListRange(_key), static value => value.ToString());

    private bool KnowsAny()
    {
        lock (_gate)
        {
            return _known.Count > 0;
        }
    }

    private string[] RestoreAndRead()
    {
        Restore();
        return ReadAll();
    }

    /// <summary>
    /// The list is empty and this instance has seen no key: either it is the first, and creates the key
    /// under the creation lock, or another instance is creating it, and this one waits for it.
    /// </summary>
    private string[] WaitForFirstKey()
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            if (Database.LockTake(_lockKey, _holder, CreationLockExpiry))
            {
                var stored = ReadAll();
                if (stored.Length > 0)
                {
                    Database.LockRelease(_lockKey, _holder);
                    return stored;
                }

                // Data Protection creates the first key and stores it next; StoreElement releases the lock.
                lock (_gate)
                {
                    _holdsCreationLock = true;
                }

                return [];
            }

            Thread.Sleep(PollInterval);
            var appeared = ReadAll();
            if (appeared.Length > 0)
            {
                return appeared;
            }

            if (waited.Elapsed > CreationLockExpiry + CreationLockExpiry)
            {
                // The lock holder neither stored a key nor let its lock expire in time; create one here.
                Saml2BearerRedisLog.KeyRingCreationWaitEnded(_logger, Key);
                return [];
            }
        }
    }

    private void Remember(string[] elements)
    {
        lock (_gate)
        {
            foreach (var xml in elements)
            {
                if (_knownSet.Add(xml))
                {
                    _known.Add(xml);
                }
            }
        }
    }
}
