package dev.kinko.server.crypto.pki;

import dev.kinko.server.storage.FileTrees;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Reader;
import java.io.Writer;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.FileSystemException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemWriter;

/**
 * Certificates and private keys in PEM files. A private key file is created
 * with mode 0600 in the same call that creates it (never widened then narrowed),
 * and no file is ever overwritten. Errors name the file, never its content.
 */
public final class PemFiles {
    public static final Set<PosixFilePermission> KEY_FILE_MODE = PosixFilePermissions.fromString("rw-------");
    public static final Set<PosixFilePermission> CERTIFICATE_FILE_MODE = PosixFilePermissions.fromString("rw-r--r--");

    private static final String CERTIFICATE = "CERTIFICATE";
    private static final String PRIVATE_KEY = "PRIVATE KEY";
    private static final Set<OpenOption> CREATE_NEW = Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);

    private PemFiles() {}

    /** Every certificate in the file, in file order (a leaf first, then its issuers). */
    public static List<X509Certificate> readCertificates(Path file) throws IOException {
        List<X509Certificate> chain = new ArrayList<>();
        JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
        for (Object o : readPem(file, "is not a PEM certificate file")) {
            if (!(o instanceof X509CertificateHolder holder)) {
                throw new IOException(file + ": holds something other than certificates");
            }
            try {
                chain.add(converter.getCertificate(holder));
            } catch (CertificateException e) {
                throw new IOException(file + ": holds a damaged certificate", e);
            }
        }
        if (chain.isEmpty()) {
            throw new IOException(file + ": holds no certificate");
        }
        return chain;
    }

    /** The one private key in the file: PKCS#8 ("BEGIN PRIVATE KEY") or "BEGIN EC PRIVATE KEY"; unencrypted. */
    public static PrivateKey readPrivateKey(Path file) throws IOException {
        List<PrivateKeyInfo> keys = new ArrayList<>();
        for (Object o : readPem(file, "is not a PEM private key file")) {
            if (o instanceof PrivateKeyInfo info) {
                keys.add(info);
            } else if (o instanceof PEMKeyPair pair) {
                keys.add(pair.getPrivateKeyInfo());
            } else if (!(o instanceof ASN1ObjectIdentifier || o instanceof X9ECParameters)) {
                // "EC PARAMETERS" (which openssl ecparam -genkey writes first) is harmless; anything else is not a key file
                throw new IOException(file + ": holds something other than an unencrypted private key (PKCS#8 or EC)");
            }
        }
        if (keys.size() != 1) {
            throw new IOException(file + ": must hold exactly one unencrypted private key (PKCS#8 or EC), holds " + keys.size());
        }
        PrivateKeyInfo info = keys.get(0);
        try {
            return new JcaPEMKeyConverter().getPrivateKey(info);
        } catch (IOException | RuntimeException e) {
            // no cause: its message could quote the key
            throw new IOException(file + ": holds a private key of an unsupported or damaged kind");
        }
    }

    /** Writes the certificates (leaf first) to a new file, mode 0644. */
    public static void writeCertificates(Path file, List<X509Certificate> chain) throws IOException {
        List<PemObject> objects = new ArrayList<>();
        for (X509Certificate cert : chain) {
            try {
                objects.add(new PemObject(CERTIFICATE, cert.getEncoded()));
            } catch (CertificateEncodingException e) {
                throw new IOException(file + ": cannot encode a certificate", e);
            }
        }
        write(file, CERTIFICATE_FILE_MODE, objects);
    }

    /** Writes the key as PKCS#8 PEM to a new file that is mode 0600 from the moment it exists. */
    public static void writePrivateKey(Path file, PrivateKey key) throws IOException {
        if (!"PKCS#8".equals(key.getFormat())) {
            throw new IOException(file + ": a " + key.getAlgorithm() + " key without a PKCS#8 encoding cannot be written");
        }
        write(file, KEY_FILE_MODE, List.of(new PemObject(PRIVATE_KEY, key.getEncoded())));
    }

    private static void write(Path file, Set<PosixFilePermission> mode, List<PemObject> objects) throws IOException {
        FileAttribute<Set<PosixFilePermission>> attribute = PosixFilePermissions.asFileAttribute(mode);
        Writer out;
        try {
            out = new OutputStreamWriter(Channels.newOutputStream(Files.newByteChannel(file, CREATE_NEW, attribute)),
                    StandardCharsets.US_ASCII);
        } catch (FileAlreadyExistsException e) {
            throw new FileAlreadyExistsException(file.toString(), null, "exists; Kinko never overwrites a certificate or key file");
        }
        try (PemWriter pem = new PemWriter(out)) {
            for (PemObject o : objects) {
                pem.writeObject(o);
            }
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(file); // ours, half written: a later retry must not meet it
            throw e;
        }
        // durable before anyone is told it was written (a node restarted after a power cut must find it whole)
        FileTrees.fsync(file);
    }

    /** Every PEM object in the file; a parse error is reported without its cause, which may quote key bytes. */
    private static List<Object> readPem(Path file, String notPem) throws IOException {
        List<Object> objects = new ArrayList<>();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.US_ASCII); PEMParser pem = new PEMParser(in)) {
            for (Object o = pem.readObject(); o != null; o = pem.readObject()) {
                objects.add(o);
            }
        } catch (FileSystemException e) {
            throw e; // no such file, access denied: the JDK's message names the file
        } catch (IOException | RuntimeException e) {
            throw new IOException(file + ": " + notPem);
        }
        return objects;
    }
}
