using nanoFramework.TestFramework;
using RmmEdge.SharedModel.Format;

namespace NFUnitTest.SharedModel
{
    [TestClass]
    public class Crc32Tests
    {
        private static byte[] Ascii(string text)
        {
            char[] chars = text.ToCharArray();
            byte[] bytes = new byte[chars.Length];
            for (int i = 0; i < chars.Length; i++)
            {
                bytes[i] = (byte)chars[i];
            }

            return bytes;
        }

        [TestMethod]
        public void CheckValueOfTheStandardCatalogue()
        {
            // The "check" value of CRC-32/ISO-HDLC in the CRC catalogue.
            byte[] data = Ascii("123456789");
            Assert.AreEqual(0xCBF43926u, Crc32.Compute(data, 0, data.Length));
        }

        [TestMethod]
        public void EmptyInputGivesZero()
        {
            Assert.AreEqual(0u, Crc32.Compute(new byte[0], 0, 0));
        }

        [TestMethod]
        public void RespectsOffsetAndCount()
        {
            byte[] framed = Ascii("xx123456789yy");
            Assert.AreEqual(0xCBF43926u, Crc32.Compute(framed, 2, 9));
        }

        [DataRow(1)]
        [DataRow(4)]
        [DataRow(7)]
        public void ChunkedUpdateEqualsOneShot(int chunk)
        {
            byte[] data = Ascii("The quick brown fox jumps over the lazy dog");
            uint register = Crc32.Initial;
            for (int offset = 0; offset < data.Length; offset += chunk)
            {
                int count = data.Length - offset < chunk ? data.Length - offset : chunk;
                register = Crc32.Update(register, data, offset, count);
            }

            Assert.AreEqual(0x414FA339u, Crc32.Finish(register));
            Assert.AreEqual(Crc32.Compute(data, 0, data.Length), Crc32.Finish(register));
        }

        [TestMethod]
        public void DetectsASingleFlippedBit()
        {
            byte[] data = Ascii("123456789");
            uint good = Crc32.Compute(data, 0, data.Length);
            for (int i = 0; i < data.Length * 8; i++)
            {
                data[i / 8] ^= (byte)(1 << (i % 8));
                Assert.AreNotEqual(good, Crc32.Compute(data, 0, data.Length));
                data[i / 8] ^= (byte)(1 << (i % 8));
            }
        }
    }
}
