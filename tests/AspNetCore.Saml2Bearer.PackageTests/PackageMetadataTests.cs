using System.IO.Compression;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace AspNetCore.Saml2Bearer.PackageTests;

/// <summary>
/// The packages build/pack.sh produces carry what NuGet shows and what users rely on: readme, icon,
/// URLs, repository commit, tags, license, an explicit pre-1.0 version, symbols and XML docs; the main
/// package does not bring StackExchange.Redis; the packages that declare IsAotCompatible say so.
/// </summary>
public sealed partial class PackageMetadataTests : IClassFixture<PackedPackages>
{
    private const string MainPackage = "AspNetCore.Saml2Bearer";
    private const string RedisPackage = "AspNetCore.Saml2Bearer.StackExchangeRedis";
    private const string ToolPackage = "AspNetCore.Saml2Bearer.Tool";
    private const string RepositoryUrl = "https://github.com/aspnetcore-saml2bearer/AspNetCore.Saml2Bearer";

    private readonly PackedPackages _packages;

    public PackageMetadataTests(PackedPackages packages) => _packages = packages;

    private static readonly string[] AllPackageIds =
    [
        MainPackage,
        "AspNetCore.Saml2Bearer.OpenIddict",
        RedisPackage,
        "AspNetCore.Saml2Bearer.Testing",
        ToolPackage,
        "AspNetCore.Saml2Bearer.Yarp",
    ];

    public static TheoryData<string> PackageIds { get; } = new(AllPackageIds);

    /// <summary>The packages whose project declares IsAotCompatible (trim and AOT analyzers on, warnings as errors).</summary>
    public static TheoryData<string> AotCompatiblePackageIds { get; } = new()
    {
        MainPackage,
        "AspNetCore.Saml2Bearer.OpenIddict",
        "AspNetCore.Saml2Bearer.Yarp",
    };

    /// <summary>Where the package holds its assembly: a library under lib/, the dotnet tool under tools/.</summary>
    private static string AssemblyFolder(string id) => id == ToolPackage ? "tools/net10.0/any" : "lib/net10.0";

    [Fact]
    public void Pack_EveryProjectUnderSrc_IsOneOfTheCheckedPackages()
    {
        Assert.Equal(AllPackageIds.Order(StringComparer.Ordinal), _packages.ProjectNames);
        Assert.All(_packages.ProjectNames, id => Assert.True(File.Exists(_packages.PackagePath(id))));
    }

    [Theory]
    [MemberData(nameof(PackageIds))]
    public void Nuspec_Version_IsExplicitAndBelowOneOrPreRelease(string id)
    {
        var version = Metadata(id, "version");

        var match = SemanticVersion().Match(version);
        Assert.True(match.Success, $"{id}: '{version}' is not a semantic version");
        Assert.True(match.Groups["major"].Value == "0" || match.Groups["pre"].Success, $"{id}: '{version}' is neither 0.x nor a pre-release");
        Assert.NotEqual("1.0.0", version);
        Assert.Equal(Metadata(MainPackage, "version"), version);
    }

    [Theory]
    [MemberData(nameof(PackageIds))]
    public void Nuspec_ReadmeAndIcon_AreNamedAndInThePackage(string id)
    {
        using var package = ZipFile.OpenRead(_packages.PackagePath(id));

        Assert.Equal("README.md", Metadata(id, "readme"));
        var readme = new StreamReader(Assert.Single(package.Entries, e => e.FullName == "README.md").Open()).ReadToEnd();
        Assert.StartsWith("# " + id + "\n", readme, StringComparison.Ordinal);

        Assert.Equal("icon.png", Metadata(id, "icon"));
        using var icon = Assert.Single(package.Entries, e => e.FullName == "icon.png").Open();
        var signature = new byte[8];
        icon.ReadExactly(signature);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, signature);
    }

    [Theory]
    [MemberData(nameof(PackageIds))]
    public void Nuspec_UrlsLicenseTagsDescription_AreSet(string id)
    {
        Assert.Equal(RepositoryUrl, Metadata(id, "projectUrl"));
        var license = Element(id, "license");
        Assert.Equal("expression", license.Attribute("type")?.Value);
        Assert.Equal("MIT", license.Value);
        var tags = Metadata(id, "tags").Split(' ');
        Assert.Contains("saml", tags);
        Assert.Contains("rfc7522", tags);
        Assert.False(string.IsNullOrWhiteSpace(Metadata(id, "description")));
    }

    [Theory]
    [MemberData(nameof(PackageIds))]
    public void Nuspec_Repository_NamesTheUrlAndTheCommitPacked(string id)
    {
        var repository = Element(id, "repository");

        Assert.Equal("git", repository.Attribute("type")?.Value);
        Assert.Equal(RepositoryUrl, repository.Attribute("url")?.Value);
        Assert.Equal(_packages.HeadCommit, repository.Attribute("commit")?.Value);
    }

    [Theory]
    [MemberData(nameof(PackageIds))]
    public void Package_AssemblyFolder_HoldsTheAssemblyAndItsXmlDocs(string id)
    {
        using var package = ZipFile.OpenRead(_packages.PackagePath(id));
        var names = package.Entries.Select(e => e.FullName).ToArray();

        var folder = AssemblyFolder(id);
        Assert.Contains($"{folder}/{id}.dll", names);
        Assert.Contains($"{folder}/{id}.xml", names);
        var docs = XDocument.Load(package.GetEntry($"{folder}/{id}.xml")!.Open());
        Assert.Equal(id, docs.Root?.Element("assembly")?.Element("name")?.Value);
        Assert.NotEmpty(docs.Root!.Element("members")!.Elements("member"));
    }

    [Theory]
    [MemberData(nameof(PackageIds))]
    public void SymbolPackage_HoldsThePdbWithSourceLinkToTheRepository(string id)
    {
        using var symbols = ZipFile.OpenRead(_packages.PackagePath(id, symbols: true));
        using var pdbStream = new MemoryStream();
        symbols.GetEntry($"{AssemblyFolder(id)}/{id}.pdb")!.Open().CopyTo(pdbStream);
        pdbStream.Position = 0;

        using var pdb = MetadataReaderProvider.FromPortablePdbStream(pdbStream);
        var reader = pdb.GetMetadataReader();
        var sourceLinkKind = new Guid("CC110556-A091-4D38-9FEC-25AB9A351A6A");
        var sourceLink = reader.GetCustomDebugInformation(EntityHandle.ModuleDefinition)
            .Select(reader.GetCustomDebugInformation)
            .Where(info => reader.GetGuid(info.Kind) == sourceLinkKind)
            .Select(info => Encoding.UTF8.GetString(reader.GetBlobBytes(info.Value)))
            .Single();
        Assert.Contains($"https://raw.githubusercontent.com/aspnetcore-saml2bearer/AspNetCore.Saml2Bearer/{_packages.HeadCommit}/", sourceLink, StringComparison.Ordinal);
    }

    [Fact]
    public void ToolPackage_IsADotnetToolNamedSaml2bearer()
    {
        using var package = ZipFile.OpenRead(_packages.PackagePath(ToolPackage));
        var settings = XDocument.Load(package.GetEntry($"{AssemblyFolder(ToolPackage)}/DotnetToolSettings.xml")!.Open());

        Assert.Equal("DotnetTool", Element(ToolPackage, "packageTypes").Elements().Single().Attribute("name")?.Value);
        Assert.Equal("saml2bearer", settings.Descendants("Command").Single().Attribute("Name")?.Value);
    }

    [Fact]
    public void MainPackage_Dependencies_DoNotIncludeStackExchangeRedis()
    {
        var dependencies = DependencyIds(MainPackage);

        Assert.NotEmpty(dependencies);
        Assert.DoesNotContain(dependencies, d => d.StartsWith("StackExchange.", StringComparison.OrdinalIgnoreCase) || d.Contains("Redis", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void RedisPackage_Dependencies_AreTheMainPackageAndTheRedisClients()
    {
        var dependencies = DependencyIds(RedisPackage);

        Assert.Contains(MainPackage, dependencies);
        Assert.Contains("StackExchange.Redis", dependencies);
        Assert.Contains("Microsoft.Extensions.Caching.StackExchangeRedis", dependencies);
        // The key ring lives in our own repository (one creation lock, lost keys written back): no second Redis client package.
        Assert.DoesNotContain("Microsoft.AspNetCore.DataProtection.StackExchangeRedis", dependencies);
    }

    [Theory]
    [MemberData(nameof(AotCompatiblePackageIds))]
    public void Assembly_OfAnAotCompatiblePackage_IsMarkedTrimmable(string id)
    {
        using var package = ZipFile.OpenRead(_packages.PackagePath(id));
        using var assembly = new MemoryStream();
        package.GetEntry($"lib/net10.0/{id}.dll")!.Open().CopyTo(assembly);
        assembly.Position = 0;
        using var pe = new PEReader(assembly);
        var reader = pe.GetMetadataReader();

        var metadata = reader.GetAssemblyDefinition().GetCustomAttributes()
            .Select(reader.GetCustomAttribute)
            .Where(a => AttributeTypeName(reader, a) == "System.Reflection.AssemblyMetadataAttribute")
            .Select(a => a.DecodeValue(new StringOnlyTypeProvider()))
            .ToDictionary(v => (string)v.FixedArguments[0].Value!, v => (string?)v.FixedArguments[1].Value);
        Assert.Equal("True", metadata.GetValueOrDefault("IsTrimmable"));
    }

    private static string AttributeTypeName(MetadataReader reader, CustomAttribute attribute)
    {
        var type = reader.GetMemberReference((MemberReferenceHandle)attribute.Constructor).Parent;
        var reference = reader.GetTypeReference((TypeReferenceHandle)type);
        return reader.GetString(reference.Namespace) + "." + reader.GetString(reference.Name);
    }

    private string[] DependencyIds(string id) =>
        Nuspec(id).Descendants().Where(e => e.Name.LocalName == "dependency").Select(e => e.Attribute("id")!.Value).ToArray();

    private string Metadata(string id, string name) => Element(id, name).Value;

    private XElement Element(string id, string name) =>
        Nuspec(id).Root!.Elements().Single(e => e.Name.LocalName == "metadata").Elements().SingleOrDefault(e => e.Name.LocalName == name)
        ?? throw new Xunit.Sdk.XunitException($"{id}.nuspec has no <{name}>");

    private XDocument Nuspec(string id)
    {
        using var package = ZipFile.OpenRead(_packages.PackagePath(id));
        using var nuspec = Assert.Single(package.Entries, e => e.FullName == id + ".nuspec").Open();
        return XDocument.Load(nuspec);
    }

    [GeneratedRegex(@"^(?<major>\d+)\.\d+\.\d+(?<pre>-[0-9A-Za-z.-]+)?$")]
    private static partial Regex SemanticVersion();

    /// <summary>Decodes the (string, string) arguments of AssemblyMetadataAttribute.</summary>
    private sealed class StringOnlyTypeProvider : ICustomAttributeTypeProvider<Type>
    {
        public Type GetPrimitiveType(PrimitiveTypeCode typeCode) => typeCode == PrimitiveTypeCode.String ? typeof(string) : typeof(object);

        public Type GetSystemType() => typeof(Type);

        public Type GetSZArrayType(Type elementType) => elementType.MakeArrayType();

        public Type GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) => typeof(object);

        public Type GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) => typeof(object);

        public Type GetTypeFromSerializedName(string name) => typeof(object);

        public PrimitiveTypeCode GetUnderlyingEnumType(Type type) => PrimitiveTypeCode.Int32;

        public bool IsSystemType(Type type) => type == typeof(Type);
    }
}
