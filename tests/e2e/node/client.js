// A Node.js gRPC client (@grpc/grpc-js): registers and logs in through Envoy's port, then
// prints the results as JSON for the Python test to check.
const path = require("path");
const grpc = require("@grpc/grpc-js");
const loader = require("@grpc/proto-loader");

const [target, email, password] = process.argv.slice(2);
const protos = path.resolve(__dirname, "../../../protos");
const definition = loader.loadSync("tablemesh/auth/v1/auth_service.proto", {
  includeDirs: [protos],
  keepCase: true,
  longs: String,
});
const { AuthService } = grpc.loadPackageDefinition(definition).tablemesh.auth.v1;
const client = new AuthService(target, grpc.credentials.createInsecure());
const deadline = () => new Date(Date.now() + 10000);

function call(method, request) {
  return new Promise((resolve, reject) =>
    client[method](request, { deadline: deadline() }, (err, reply) => (err ? reject(err) : resolve(reply))));
}

(async () => {
  const registered = await call("Register", { email, password, first_name: "Node", last_name: "Client" });
  const login = await call("Login", { email, password });
  let wrong;
  try {
    await call("Login", { email, password: "not the password" });
  } catch (err) {
    wrong = { code: err.code, details: err.details };
  }
  console.log(JSON.stringify({ registered, login, wrong }));
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
