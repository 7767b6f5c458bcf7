// A SigV4 signer of the AWS SDK for JavaScript v3 (@smithy/signature-v4, every service's rules
// but S3's: the path normalized and encoded twice) against an API behind the layer. argv: the
// endpoint, an access key id, its secret. Prints each request's status and answer as one JSON
// line for tests/axum_api.rs to check. Signed requests whose path no route takes answer 404:
// the layer let them through.
import { SignatureV4 } from "@smithy/signature-v4";
import { createHash, createHmac } from "node:crypto";

const [endpoint, accessKeyId, secretAccessKey] = process.argv.slice(2);
const base = new URL(endpoint);

class Sha256 {
  constructor(secret) {
    this.hash = secret ? createHmac("sha256", secret) : createHash("sha256");
  }
  update(data) {
    this.hash.update(data);
  }
  async digest() {
    return new Uint8Array(this.hash.digest());
  }
}

const signer = (secret) =>
  new SignatureV4({
    service: "execute-api",
    region: "us-east-1",
    credentials: { accessKeyId, secretAccessKey: secret },
    sha256: Sha256,
  });

// The request as the signer takes it: the path as it goes on the wire (the signer encodes it
// once more, as every service but S3 signs it), the query as a map of decoded values.
const request = (method, path, query = {}, body = undefined, headers = {}) => ({
  method,
  protocol: base.protocol,
  hostname: base.hostname,
  port: Number(base.port),
  path,
  query,
  headers: { host: base.host, ...headers },
  body,
});

// Sends a signed request as the signer left it: the path as it is, the query encoded
// (`encodeURIComponent` leaves `!'()*` bare, where the signer encoded them: the server's
// canonical form is the same either way).
const send = async (signed) => {
  const url = new URL(`${base.protocol}//${base.host}`);
  const search = Object.entries(signed.query ?? {})
    .flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((one) => [k, one]))
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join("&");
  const target = `${url.origin}${signed.path}${search ? `?${search}` : ""}`;
  const headers = { ...signed.headers };
  delete headers.host;
  const answer = await fetch(target, { method: signed.method, headers, body: signed.body });
  return { status: answer.status, body: await answer.text() };
};

const out = {};
const good = signer(secretAccessKey);
out.whoami = await send(
  await good.sign(request("GET", "/whoami", { b: "2", a: "1", "c d": "x y~!*'()", e: ["2", "1"] })),
);
const item = JSON.stringify({ name: "widget", note: "ü" });
out.create = await send(
  await good.sign(request("POST", "/items", {}, item, { "content-type": "application/json" })),
);
out.list = await send(await good.sign(request("GET", "/items")));
// Spaces, UTF-8, reserved bytes and an escape in the path, and dot segments the signer
// removes: no route takes it, and the layer lets it through.
out.odd_path = await send(
  await good.sign(request("GET", "/no%20such/p%C3%A4th/./x/../a%2Bb%3Dc/%41/")),
);
out.presigned = await send(await good.presign(request("GET", "/whoami", { z: "1" }), { expiresIn: 300 }));
out.wrong_secret = await send(await signer(`${secretAccessKey}x`).sign(request("GET", "/whoami")));
const tampered = await good.sign(request("GET", "/whoami", { a: "1" }));
tampered.query = { a: "2" };
out.tampered_query = await send(tampered);
console.log(JSON.stringify(out));
