// fanout's Serverless Framework plugin (serverless.yml: `plugins: [fanout/serverless-plugin, …]`). Before `sls package`
// and `sls deploy` (which packages first) it checks the runtime of the worker function, and of every other Node.js
// function of the service, against Lambda's published runtime dates (orchestrator/project/lambda-runtimes.ts): a
// runtime Lambda no longer lets anyone create functions on stops the command with one line naming the runtime, the
// date and the fix; a runtime inside its deprecation window prints a warning and goes on.
// On the local commands (`sls offline`, `sls invoke local`) it drops the function environment variables whose value is
// a CloudFormation reference to a resource that only exists once deployed (FANOUT_OFFLOAD_BUCKET, the offload bucket):
// `invoke local` would ask CloudFormation for it and fail offline, and the emulator would pass the reference as text.
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');

class FanoutServerlessPlugin {
  constructor(serverless, _options, utils) {
    this.serverless = serverless;
    this.log = utils?.log;
    const check = () => this.checkRuntimes();
    this.hooks = {
      initialize: () => this.dropDeployedOnlyEnv(),
      'before:package:initialize': check,
      'before:deploy:function:initialize': check,
    };
  }

  dropDeployedOnlyEnv() {
    const [command, sub] = this.serverless.processedInput?.commands ?? [];
    if (command !== 'offline' && !(command === 'invoke' && sub === 'local')) return;
    const service = this.serverless.service;
    for (const name of service.getAllFunctions()) {
      const env = service.getFunction(name).environment;
      if (env && typeof env.FANOUT_OFFLOAD_BUCKET === 'object') delete env.FANOUT_OFFLOAD_BUCKET;
    }
  }

  async checkRuntimes() {
    const table = join(__dirname, '..', 'dist', 'orchestrator', 'project', 'lambda-runtimes.js');
    const { checkLambdaRuntime } = await import(pathToFileURL(table).href);
    const service = this.serverless.service;
    const providerRuntime = service.provider.runtime;
    const seen = new Set();
    for (const name of service.getAllFunctions()) {
      const runtime = service.getFunction(name).runtime ?? providerRuntime;
      if (!runtime || seen.has(runtime)) continue;
      seen.add(runtime);
      const verdict = checkLambdaRuntime(runtime);
      if (verdict.kind === 'refuse') throw new this.serverless.classes.Error(`fanout: ${verdict.message}`);
      if (verdict.kind === 'warn') {
        if (this.log) this.log.warning(`fanout: ${verdict.message}`);
        else process.stderr.write(`fanout: ${verdict.message}\n`);
      }
    }
  }
}

module.exports = FanoutServerlessPlugin;
