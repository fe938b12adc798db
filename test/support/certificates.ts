/**
 * Certificates made for a test: certificate authorities of its own and the server certificates they sign,
 * good ones and the kinds a client must refuse (another CA's, expired, for another host name).
 */
import { generateKeyPairSync } from 'node:crypto';
import forge from 'node-forge';

/** A certificate and its private key, PEM-encoded (the key as PKCS #8, which Keycloak and Node both read). */
export interface Issued {
  readonly cert: string;
  readonly key: string;
}

export interface Authority extends Issued {
  readonly sign: (request: ServerCertificateRequest) => Issued;
}

export interface ServerCertificateRequest {
  /** DNS names the certificate is for (subjectAltName); the first is also its common name. */
  readonly hostNames: readonly string[];
  readonly notBefore?: Date;
  readonly notAfter?: Date;
}

const DAY_MS = 24 * 60 * 60 * 1000;

function serialNumber(): string {
  // Positive (leading 01) and unique enough for certificates that live as long as a test.
  return `01${forge.util.bytesToHex(forge.random.getBytesSync(15))}`;
}

interface KeyPair {
  readonly forge: forge.pki.rsa.KeyPair;
  readonly pem: string;
}

/** An RSA key made by node:crypto (forge's own generator runs in JavaScript, seconds per key on a busy machine). */
function keyPair(): KeyPair {
  const pem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const privateKey = forge.pki.privateKeyFromPem(pem) as forge.pki.rsa.PrivateKey;
  return { forge: { privateKey, publicKey: forge.pki.setRsaPublicKey(privateKey.n, privateKey.e) }, pem };
}

function issue(
  subject: forge.pki.CertificateField[],
  keys: forge.pki.rsa.KeyPair,
  issuer: { subject: forge.pki.CertificateField[]; key: forge.pki.rsa.PrivateKey },
  extensions: object[],
  notBefore: Date,
  notAfter: Date,
): string {
  const cert = forge.pki.createCertificate();
  cert.serialNumber = serialNumber();
  cert.publicKey = keys.publicKey;
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = notAfter;
  cert.setSubject(subject);
  cert.setIssuer(issuer.subject);
  cert.setExtensions(extensions);
  cert.sign(issuer.key, forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

/** A new certificate authority named `name`, valid from yesterday for a week. */
export function createAuthority(name: string): Authority {
  const keys = keyPair();
  // The certificates it signs share one key: what a test varies is the certificate, and a key costs a second.
  const serverKeys = keyPair();
  const subject = [{ name: 'commonName', value: name }];
  const now = Date.now();
  const cert = issue(
    subject,
    keys.forge,
    { subject, key: keys.forge.privateKey },
    [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
      { name: 'subjectKeyIdentifier' },
    ],
    new Date(now - DAY_MS),
    new Date(now + 7 * DAY_MS),
  );
  return {
    cert,
    key: keys.pem,
    sign: ({ hostNames, notBefore = new Date(now - DAY_MS), notAfter = new Date(now + 7 * DAY_MS) }) => {
      return {
        cert: issue(
          [{ name: 'commonName', value: hostNames[0] }],
          serverKeys.forge,
          { subject, key: keys.forge.privateKey },
          [
            { name: 'basicConstraints', cA: false, critical: true },
            { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
            { name: 'extKeyUsage', serverAuth: true },
            { name: 'subjectAltName', altNames: hostNames.map((value) => ({ type: 2, value })) },
          ],
          notBefore,
          notAfter,
        ),
        key: serverKeys.pem,
      };
    },
  };
}
