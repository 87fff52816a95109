using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using RmmEdge.Rig;

namespace RmmEdge.Trainer.Data;

/// <summary>
/// The part of the HDF5 C library (1.10+, where hid_t is 64-bit) that NWB reading needs, plus the few
/// creation calls the tests use to write NWB files. The library is found at run time (Debian:
/// libhdf5-103-1 → libhdf5_serial.so.103); when it is absent, <see cref="Require"/> raises one clear
/// error instead of a DllNotFoundException. Identifiers are closed by <see cref="Handle"/>.
/// </summary>
internal static partial class Hdf5
{
    private const string Library = "hdf5";
    private static readonly string[] Candidates =
        ["libhdf5_serial.so.103", "libhdf5.so.103", "libhdf5_serial.so", "libhdf5.so", "libhdf5.dylib", "hdf5.dll", "hdf5"];

    private static readonly Lazy<IntPtr> Loaded = new(Load);

    public const long Default = 0;          // H5P_DEFAULT
    public const long All = 0;              // H5S_ALL
    public const int TypeInteger = 0, TypeFloat = 1, TypeString = 3;   // H5T_class_t
    public static readonly nuint Variable = nuint.MaxValue;              // H5T_VARIABLE ((size_t)-1)

    /// <summary>Bounds on what a damaged file can make this reader allocate: members of a group, bytes of a name or string.</summary>
    private const ulong MaxLinks = 100_000;
    private const long MaxNameBytes = 1 << 16;

    static Hdf5()
    {
        NativeLibrary.SetDllImportResolver(typeof(Hdf5).Assembly, (name, _, _) => name == Library ? Loaded.Value : IntPtr.Zero);
    }

    public static bool Available => Loaded.Value != IntPtr.Zero;

    /// <summary>
    /// Held by every use of the library: Debian's libhdf5 is built without thread safety, and two
    /// threads inside it at once corrupt its state (seen as a failed read while another file was written).
    /// </summary>
    public static readonly object Gate = new();

    /// <summary>Throws a <see cref="UserError"/> naming the missing package when the library cannot be loaded.</summary>
    public static void Require(string source)
    {
        if (!Available)
        {
            throw new UserError($"{source}: reading NWB (HDF5) files needs the HDF5 C library, which is not installed " +
                "(Debian/Ubuntu: apt-get install libhdf5-103-1; macOS: brew install hdf5)");
        }
    }

    private static IntPtr Load()
    {
        foreach (string candidate in Candidates)
        {
            if (NativeLibrary.TryLoad(candidate, Assembly.GetExecutingAssembly(), null, out IntPtr handle))
            {
                H5open(handle);
                return handle;
            }
        }

        return IntPtr.Zero;
    }

    private static void H5open(IntPtr handle)
    {
        // The predefined type identifiers are globals that H5open initialises; silence the library's
        // own error printing (every failure is turned into a UserError here).
        unsafe
        {
            ((delegate* unmanaged[Cdecl]<int>)NativeLibrary.GetExport(handle, "H5open"))();
            ((delegate* unmanaged[Cdecl]<long, IntPtr, IntPtr, int>)NativeLibrary.GetExport(handle, "H5Eset_auto2"))(0, IntPtr.Zero, IntPtr.Zero);
        }
    }

    /// <summary>A predefined type such as H5T_NATIVE_DOUBLE (exported as the global H5T_NATIVE_DOUBLE_g).</summary>
    public static long Predefined(string name) => Marshal.ReadInt64(NativeLibrary.GetExport(Loaded.Value, name + "_g"));

    public static long NativeDouble => Predefined("H5T_NATIVE_DOUBLE");
    public static long NativeFloat => Predefined("H5T_NATIVE_FLOAT");
    public static long NativeUInt32 => Predefined("H5T_NATIVE_UINT32");
    public static long CString => Predefined("H5T_C_S1");

    /// <summary>An HDF5 identifier that closes itself with the right H5*close.</summary>
    public sealed class Handle(long id, Func<long, int> close) : IDisposable
    {
        public long Id { get; } = id;

        public bool Valid => Id >= 0;

        public void Dispose()
        {
            if (Id >= 0)
            {
                close(Id);
            }
        }
    }

    public static Handle OpenFile(string path) => new(H5Fopen(path, 0, Default), H5Fclose);

    public static Handle CreateFile(string path) => new(H5Fcreate(path, 2, Default, Default), H5Fclose);

    public static Handle OpenGroup(long location, string name) => new(H5Gopen2(location, name, Default), H5Gclose);

    public static Handle CreateGroup(long location, string name) => new(H5Gcreate2(location, name, Default, Default, Default), H5Gclose);

    public static Handle OpenDataset(long location, string name) => new(H5Dopen2(location, name, Default), H5Dclose);

    /// <summary>Names of the links in a group, in name order.</summary>
    public static string[] Members(long group)
    {
        if (H5Gget_info(group, out GroupInfo info) < 0)
        {
            return [];
        }

        if (info.Links > MaxLinks)
        {
            throw new InvalidOperationException($"a group of {info.Links} members; at most {MaxLinks:N0} are read");
        }

        var names = new string[info.Links];
        for (ulong i = 0; i < info.Links; i++)
        {
            long length = H5Lget_name_by_idx(group, ".", 0, 0, i, null, 0, Default);
            if (length < 0 || length > MaxNameBytes)
            {
                throw new InvalidOperationException($"a member name of {length} bytes");
            }

            byte[] buffer = new byte[length + 1];
            H5Lget_name_by_idx(group, ".", 0, 0, i, buffer, (nuint)buffer.Length, Default);
            names[i] = Encoding.UTF8.GetString(buffer, 0, (int)length);
        }

        return names;
    }

    public static bool HasAttribute(long obj, string name) => H5Aexists(obj, name) > 0;

    /// <summary>A scalar string attribute (fixed or variable length), or null when absent or not a string.</summary>
    public static string? StringAttribute(long obj, string name)
    {
        if (!HasAttribute(obj, name))
        {
            return null;
        }

        using var attribute = new Handle(H5Aopen(obj, name, Default), H5Aclose);
        using var type = new Handle(H5Aget_type(attribute.Id), H5Tclose);
        if (H5Tget_class(type.Id) != TypeString)
        {
            return null;
        }

        // The memory type is a copy of the stored one, so the character set (ASCII or UTF-8) matches:
        // HDF5 does not convert between character sets.
        if (H5Tis_variable_str(type.Id) > 0)
        {
            using var memory = new Handle(H5Tcopy(type.Id), H5Tclose);
            IntPtr[] pointer = new IntPtr[1];
            if (H5Aread(attribute.Id, memory.Id, pointer) < 0 || pointer[0] == IntPtr.Zero)
            {
                return null;
            }

            string value = Marshal.PtrToStringUTF8(pointer[0]) ?? "";
            H5free_memory(pointer[0]);
            return value;
        }

        nuint typeSize = H5Tget_size(type.Id);
        if (typeSize == 0 || typeSize > MaxNameBytes)
        {
            throw new InvalidOperationException($"a string attribute of {typeSize} bytes");
        }

        int size = (int)typeSize;
        byte[] bytes = new byte[size];
        using (var memory = new Handle(H5Tcopy(type.Id), H5Tclose))
        {
            if (H5Aread(attribute.Id, memory.Id, bytes) < 0)
            {
                return null;
            }
        }

        return Encoding.UTF8.GetString(bytes).TrimEnd('\0', ' ');
    }

    /// <summary>A numeric scalar attribute as double, or null when absent or not numeric.</summary>
    public static double? NumberAttribute(long obj, string name)
    {
        if (!HasAttribute(obj, name))
        {
            return null;
        }

        using var attribute = new Handle(H5Aopen(obj, name, Default), H5Aclose);
        using var type = new Handle(H5Aget_type(attribute.Id), H5Tclose);
        int kind = H5Tget_class(type.Id);
        if (kind is not (TypeInteger or TypeFloat))
        {
            return null;
        }

        double[] value = new double[1];
        return H5Aread(attribute.Id, NativeDouble, value) < 0 ? null : value[0];
    }

    /// <summary>Every value of a numeric dataset, flattened, as double; the dataset's rank in <paramref name="rank"/>.</summary>
    public static double[] ReadNumbers(long dataset, out int rank)
    {
        using var space = new Handle(H5Dget_space(dataset), H5Sclose);
        rank = H5Sget_simple_extent_ndims(space.Id);
        long count = H5Sget_simple_extent_npoints(space.Id);
        if (rank < 0 || count < 0 || count > Recording.MaxSamples)
        {
            throw new InvalidOperationException($"a dataset of {count} values; at most {Recording.MaxSamples:N0} are read");
        }

        double[] values = new double[count];
        if (count > 0 && H5Dread(dataset, NativeDouble, All, All, Default, values) < 0)
        {
            throw new InvalidOperationException("H5Dread failed");
        }

        return values;
    }

    public static int DatasetClass(long dataset)
    {
        using var type = new Handle(H5Dget_type(dataset), H5Tclose);
        return H5Tget_class(type.Id);
    }

    // ---- writing (tests) ----

    public static void WriteDataset(long location, string name, long fileType, long memoryType, Array values, ulong[] dims)
    {
        using var space = new Handle(dims.Length == 0 ? H5Screate(0) : H5Screate_simple(dims.Length, dims, null), H5Sclose);
        using var dataset = new Handle(H5Dcreate2(location, name, fileType, space.Id, Default, Default, Default), H5Dclose);
        GCHandle pin = GCHandle.Alloc(values, GCHandleType.Pinned);
        try
        {
            Check(H5Dwrite(dataset.Id, memoryType, All, All, Default, pin.AddrOfPinnedObject()), $"write {name}");
        }
        finally
        {
            pin.Free();
        }
    }

    public static void WriteNumberAttribute(long obj, string name, long type, double value)
    {
        using var space = new Handle(H5Screate(0), H5Sclose);
        using var attribute = new Handle(H5Acreate2(obj, name, type, space.Id, Default, Default), H5Aclose);
        Check(H5Aread_write(attribute.Id, NativeDouble, [value]), $"attribute {name}");
    }

    public static void WriteStringAttribute(long obj, string name, string value, bool variableLength)
    {
        using var space = new Handle(H5Screate(0), H5Sclose);
        using var type = new Handle(H5Tcopy(CString), H5Tclose);
        byte[] utf8 = Encoding.UTF8.GetBytes(value + "\0");
        H5Tset_size(type.Id, variableLength ? Variable : (nuint)utf8.Length);
        H5Tset_cset(type.Id, 1);
        using var attribute = new Handle(H5Acreate2(obj, name, type.Id, space.Id, Default, Default), H5Aclose);
        if (variableLength)
        {
            GCHandle pin = GCHandle.Alloc(utf8, GCHandleType.Pinned);
            try
            {
                Check(H5Awrite(attribute.Id, type.Id, [pin.AddrOfPinnedObject()]), $"attribute {name}");
            }
            finally
            {
                pin.Free();
            }
        }
        else
        {
            Check(H5Awrite(attribute.Id, type.Id, utf8), $"attribute {name}");
        }
    }

    private static int H5Aread_write(long attribute, long type, double[] value) => H5Awrite(attribute, type, value);

    private static void Check(int status, string what)
    {
        if (status < 0)
        {
            throw new IOException($"HDF5: {what} failed");
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct GroupInfo
    {
        public int StorageType;
        public ulong Links;
        public long MaxCreationOrder;
        public int Mounted;
    }

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)] private static partial long H5Fopen(string name, uint flags, long access);
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)] private static partial long H5Fcreate(string name, uint flags, long create, long access);
    [LibraryImport(Library)] private static partial int H5Fclose(long file);
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)] private static partial long H5Gopen2(long location, string name, long access);
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)] private static partial long H5Gcreate2(long location, string name, long lcpl, long gcpl, long gapl);
    [LibraryImport(Library)] private static partial int H5Gclose(long group);
    [LibraryImport(Library)] private static partial int H5Gget_info(long group, out GroupInfo info);
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)] private static partial long H5Lget_name_by_idx(long location, string group, int indexType, int order, ulong n, [Out] byte[]? name, nuint size, long lapl);
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)] private static partial long H5Dopen2(long location, string name, long access);
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)] private static partial long H5Dcreate2(long location, string name, long type, long space, long lcpl, long dcpl, long dapl);
    [LibraryImport(Library)] private static partial int H5Dclose(long dataset);
    [LibraryImport(Library)] private static partial long H5Dget_space(long dataset);
    [LibraryImport(Library)] private static partial long H5Dget_type(long dataset);
    [LibraryImport(Library)] private static partial int H5Dread(long dataset, long memoryType, long memorySpace, long fileSpace, long transfer, [Out] double[] buffer);
    [LibraryImport(Library)] private static partial int H5Dwrite(long dataset, long memoryType, long memorySpace, long fileSpace, long transfer, IntPtr buffer);
    [LibraryImport(Library)] private static partial long H5Screate(int kind);
    [LibraryImport(Library)] private static partial long H5Screate_simple(int rank, ulong[] dims, ulong[]? maxDims);
    [LibraryImport(Library)] private static partial int H5Sclose(long space);
    [LibraryImport(Library)] private static partial int H5Sget_simple_extent_ndims(long space);
    [LibraryImport(Library)] private static partial long H5Sget_simple_extent_npoints(long space);
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)] private static partial int H5Aexists(long obj, string name);
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)] private static partial long H5Aopen(long obj, string name, long access);
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)] private static partial long H5Acreate2(long obj, string name, long type, long space, long acpl, long aapl);
    [LibraryImport(Library)] private static partial int H5Aclose(long attribute);
    [LibraryImport(Library)] private static partial long H5Aget_type(long attribute);
    [LibraryImport(Library)] private static partial int H5Aread(long attribute, long memoryType, [Out] IntPtr[] buffer);
    [LibraryImport(Library)] private static partial int H5Aread(long attribute, long memoryType, [Out] byte[] buffer);
    [LibraryImport(Library)] private static partial int H5Aread(long attribute, long memoryType, [Out] double[] buffer);
    [LibraryImport(Library)] private static partial int H5Awrite(long attribute, long memoryType, IntPtr[] buffer);
    [LibraryImport(Library)] private static partial int H5Awrite(long attribute, long memoryType, byte[] buffer);
    [LibraryImport(Library)] private static partial int H5Awrite(long attribute, long memoryType, double[] buffer);
    [LibraryImport(Library)] private static partial long H5Tcopy(long type);
    [LibraryImport(Library)] private static partial int H5Tclose(long type);
    [LibraryImport(Library)] private static partial int H5Tget_class(long type);
    [LibraryImport(Library)] private static partial nuint H5Tget_size(long type);
    [LibraryImport(Library)] private static partial int H5Tset_size(long type, nuint size);
    [LibraryImport(Library)] private static partial int H5Tset_cset(long type, int cset);
    [LibraryImport(Library)] private static partial int H5Tis_variable_str(long type);
    [LibraryImport(Library)] private static partial int H5free_memory(IntPtr memory);
}
