using nanoFramework.TestFramework;
using RmmEdge.SharedModel.Format;

namespace NFUnitTest.SharedModel
{
    /// <summary>Rejections that need no compiler: the loader never throws and names the field.</summary>
    [TestClass]
    public class RmmqReaderTests
    {
        private static byte[] Header(uint magic, int version)
        {
            byte[] file = new byte[RmmqLayout.HeaderSize];
            file[0] = (byte)magic;
            file[1] = (byte)(magic >> 8);
            file[2] = (byte)(magic >> 16);
            file[3] = (byte)(magic >> 24);
            file[4] = (byte)version;
            file[6] = RmmqLayout.HeaderSize;
            file[8] = RmmqLayout.HeaderSize;
            return file;
        }

        [TestMethod]
        public void NullAndShortBuffersAreTooShort()
        {
            Assert.AreEqual((int)ModelStatus.TooShort, (int)RmmqReader.Load(null).Status);
            Assert.AreEqual((int)ModelStatus.TooShort, (int)RmmqReader.Load(new byte[10]).Status);
        }

        [TestMethod]
        public void WrongMagicIsNotAnRmmqFile()
        {
            ModelLoadResult result = RmmqReader.Load(Header(0x12345678, 1));
            Assert.AreEqual((int)ModelStatus.BadMagic, (int)result.Status);
            Assert.AreEqual("magic", result.Field);
            Assert.IsFalse(result.Ok);
            Assert.IsNull(result.Model);
        }

        [TestMethod]
        public void AnotherVersionIsRefused()
        {
            ModelLoadResult result = RmmqReader.Load(Header(RmmqFormat.Magic, RmmqFormat.Version + 1));
            Assert.AreEqual((int)ModelStatus.UnsupportedVersion, (int)result.Status);
            Assert.AreEqual(RmmqLayout.OffsetVersion, result.Offset);
        }

        [TestMethod]
        public void ACorruptedByteFailsTheCrc()
        {
            byte[] file = Header(RmmqFormat.Magic, 1);
            file[30] = 1;
            ModelLoadResult result = RmmqReader.Load(file);
            Assert.AreEqual((int)ModelStatus.BadCrc, (int)result.Status);
            Assert.Contains("CRC", result.ToString());
        }
    }
}
