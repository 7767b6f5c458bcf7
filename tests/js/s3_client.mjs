// The AWS SDK for JavaScript v3 as a client of an S3 endpoint. argv: the endpoint, an access
// key id, its secret. Prints what it read back as one JSON line for tests/s3_server.rs to
// check; any request that fails (but the two meant to) throws, and node exits non-zero.
import {
  S3Client,
  CreateBucketCommand,
  PutObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  DeleteObjectCommand,
  CreateMultipartUploadCommand,
  UploadPartCommand,
  CompleteMultipartUploadCommand,
} from "@aws-sdk/client-s3";
import { createPresignedPost } from "@aws-sdk/s3-presigned-post";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { Readable } from "node:stream";

const [endpoint, accessKeyId, secretAccessKey] = process.argv.slice(2);
const client = (secret) =>
  new S3Client({
    endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    maxAttempts: 1,
    credentials: { accessKeyId, secretAccessKey: secret },
  });
const s3 = client(secretAccessKey);
const Bucket = "js-bucket";
const Key = "dir/a b+c~ü.txt";
const bytes = (n, seed) => Buffer.alloc(n).map((_, i) => (i * 7 + seed) % 251);
const read = async (key) => {
  const got = await s3.send(new GetObjectCommand({ Bucket, Key: key }));
  return Buffer.from(await got.Body.transformToByteArray());
};
const out = {};

await s3.send(new CreateBucketCommand({ Bucket }));
const text = "hello from the JavaScript SDK";
await s3.send(new PutObjectCommand({ Bucket, Key, Body: text }));
out.get = (await read(Key)).toString();

// A buffer is sent whole with its checksum in a header; a stream of known length as an
// unsigned aws-chunked body with the checksum in a trailer.
const big = bytes(300 * 1024, 1);
for (const algorithm of ["CRC32", "CRC32C", "SHA256"]) {
  const buffered = `buffered-${algorithm}`;
  await s3.send(
    new PutObjectCommand({ Bucket, Key: buffered, Body: big, ChecksumAlgorithm: algorithm }),
  );
  out[buffered] = (await read(buffered)).equals(big);
  const streamed = `streamed-${algorithm}`;
  const pieces = [big.subarray(0, 100 * 1024), big.subarray(100 * 1024)];
  await s3.send(
    new PutObjectCommand({
      Bucket,
      Key: streamed,
      Body: Readable.from(pieces),
      ContentLength: big.length,
      ChecksumAlgorithm: algorithm,
    }),
  );
  out[streamed] = (await read(streamed)).equals(big);
}

// A multipart upload: a 5 MiB part (the least but the last may be) and a small one.
const parts = [bytes(5 * 1024 * 1024, 2), bytes(1000, 3)];
const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: "multi" }));
const done = [];
for (const [i, Body] of parts.entries()) {
  const { ETag } = await s3.send(
    new UploadPartCommand({ Bucket, Key: "multi", UploadId, PartNumber: i + 1, Body }),
  );
  done.push({ ETag, PartNumber: i + 1 });
}
await s3.send(
  new CompleteMultipartUploadCommand({
    Bucket,
    Key: "multi",
    UploadId,
    MultipartUpload: { Parts: done },
  }),
);
out.multipart = (await read("multi")).equals(Buffer.concat(parts));

const listed = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: "dir/" }));
out.keys = (listed.Contents ?? []).map((o) => o.Key);

const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket, Key }), { expiresIn: 300 });
out.presigned = await (await fetch(url)).text();
const tampered = url.replace("X-Amz-Expires=300", "X-Amz-Expires=301");
out.tampered_status = (await fetch(tampered)).status;

// A browser POST upload under a policy: a key under uploads/ and at most 1000 bytes.
const post = await createPresignedPost(s3, {
  Bucket,
  Key: "uploads/${filename}",
  Conditions: [
    ["content-length-range", 1, 1000],
    ["starts-with", "$key", "uploads/"],
  ],
  Fields: { success_action_status: "201" },
  Expires: 300,
});
// A refusal may come while the form is still being sent; the server reads the rest (up to
// 8 MiB) before it answers, so the answer arrives rather than a reset connection (an error
// is still reported here, for the test to show). The stored objects tell whether the upload
// was refused.
const submit = async (file, fields = {}) => {
  const form = new FormData();
  for (const [name, value] of Object.entries({ ...post.fields, ...fields })) {
    form.append(name, value);
  }
  form.append("file", new Blob([file]), "form file.txt");
  try {
    const answer = await fetch(post.url, { method: "POST", body: form });
    const body = await answer.text();
    return { status: answer.status, code: body.match(/<Code>([^<]*)<\/Code>/)?.[1] ?? null };
  } catch (e) {
    return { status: null, code: null, error: e.cause?.code ?? String(e) };
  }
};
const exists = async (key) => {
  try {
    await read(key);
    return true;
  } catch (e) {
    if (e.name === "NoSuchKey") return false;
    throw e;
  }
};
const posted = bytes(700, 4);
out.post = await submit(posted);
out.post_same = (await read("uploads/form file.txt")).equals(posted);
out.post_too_large = await submit(bytes(3 << 20, 5));
out.post_other_key = await submit(posted, { key: "elsewhere/x" });
// Neither refused upload stored anything: the first object is whole, the other key absent.
out.post_kept = (await read("uploads/form file.txt")).equals(posted);
out.post_other_key_stored = await exists("elsewhere/x");

try {
  await client(`${secretAccessKey}x`).send(new GetObjectCommand({ Bucket, Key }));
  out.wrong_secret = "accepted";
} catch (e) {
  out.wrong_secret = `${e.name} ${e.$metadata?.httpStatusCode}`;
}

await s3.send(new DeleteObjectCommand({ Bucket, Key }));
const after = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: "dir/" }));
out.keys_after_delete = (after.Contents ?? []).map((o) => o.Key);
console.log(JSON.stringify(out));
