// What a user of the official JavaScript client (@kubernetes/client-node 1.x, pinned in package-lock.json) does
// against j8s, driven by ClientLibrariesIT. Objects are built without apiVersion/kind, as users build them.
// Prints one JSON object with what was seen; a failure exits non-zero with the error on stderr.
//
//   node client-flow.mjs KUBECONFIG flow NAMESPACE      create, list, watch, patch, delete
//   node client-flow.mjs KUBECONFIG exec NAMESPACE POD
import * as k8s from '@kubernetes/client-node';
import { Writable } from 'node:stream';

const [kubeconfig, command, namespace, pod] = process.argv.slice(2);
const kc = new k8s.KubeConfig();
kc.loadFromFile(kubeconfig);
const core = kc.makeApiClient(k8s.CoreV1Api);

// Opens a watch (established once watch() resolves), writes one ConfigMap, and waits for its event, read by the
// library's line splitter; nothing else is written meanwhile.
async function watchOneWrite(name) {
    const list = await core.listNamespacedConfigMap({ namespace });
    let started;
    let controller;
    const seen = new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no event for ${name} within 30 s`)), 30_000);
        new k8s.Watch(kc).watch(`/api/v1/namespaces/${namespace}/configmaps`,
            { resourceVersion: list.metadata.resourceVersion, timeoutSeconds: 60 },
            (type, obj) => {
                if (obj.metadata?.name === name) {
                    clearTimeout(timer);
                    resolve({ type, kind: obj.kind, name, latencyMs: Math.round((performance.now() - started) * 10) / 10 });
                }
            },
            (err) => { if (err) { clearTimeout(timer); reject(err); } })
            .then((c) => {
                controller = c;
                started = performance.now();
                return core.createNamespacedConfigMap({ namespace, body: { metadata: { name }, data: { k: 'v' } } });
            })
            .catch(reject);
    });
    try {
        return await seen;
    } finally {
        controller?.abort();
    }
}

async function flow() {
    const out = {};
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    const cm = await core.createNamespacedConfigMap({
        namespace, body: { metadata: { name: 'settings', labels: { app: 'js' } }, data: { greeting: 'hello' } },
    });
    out.createdConfigMap = { apiVersion: cm.apiVersion, kind: cm.kind, name: cm.metadata.name };
    const created = await core.createNamespacedPod({
        namespace,
        body: {
            metadata: { name: 'unscheduled' },
            spec: { schedulerName: 'js-flow', containers: [{ name: 'c', image: 'busybox' }] },
        },
    });
    out.createdPod = { apiVersion: created.apiVersion, kind: created.kind, name: created.metadata.name };
    const listed = await core.listNamespacedConfigMap({ namespace, labelSelector: 'app=js' });
    out.listed = listed.items.map((c) => c.metadata.name).sort();
    out.watch = await watchOneWrite('once');

    // The default patch of client-node is a JSON patch; a merge patch through the Content-Type option.
    const jsonPatched = await core.patchNamespacedConfigMap({
        name: 'settings', namespace, body: [{ op: 'replace', path: '/data/greeting', value: 'hi' }],
    });
    out.jsonPatchedGreeting = jsonPatched.data.greeting;
    const merged = await core.patchNamespacedConfigMap(
        { name: 'settings', namespace, body: { metadata: { labels: { patched: 'yes' } } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
    out.patchedLabels = merged.metadata.labels;
    await core.deleteNamespacedConfigMap({ name: 'settings', namespace });
    await core.deleteNamespacedPod({ name: 'unscheduled', namespace, gracePeriodSeconds: 0 });
    out.afterDelete = (await core.listNamespacedConfigMap({ namespace })).items.map((c) => c.metadata.name).sort();
    return out;
}

function collector() {
    const chunks = [];
    const stream = new Writable({ write(chunk, _enc, done) { chunks.push(chunk); done(); } });
    return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

async function execIn() {
    const stdout = collector();
    const stderr = collector();
    const status = await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('exec did not finish within 60 s')), 60_000);
        new k8s.Exec(kc).exec(namespace, pod, 'shell', ['sh', '-c', 'echo out; echo err >&2; exit 3'],
            stdout.stream, stderr.stream, null, false, (s) => { clearTimeout(timer); resolve(s); })
            .catch((err) => { clearTimeout(timer); reject(err); });
    });
    const exitCode = status.status === 'Success'
        ? 0 : Number(status.details?.causes?.find((c) => c.reason === 'ExitCode')?.message);
    return { stdout: stdout.text(), stderr: stderr.text(), exitCode, status: status.status };
}

try {
    const result = command === 'flow' ? await flow() : command === 'exec' ? await execIn() : null;
    if (result === null) {
        throw new Error(`unknown command ${command}`);
    }
    console.log(JSON.stringify(result));
} catch (err) {
    console.error(err?.stack ?? err, err?.body ? JSON.stringify(err.body) : '');
    process.exit(1);
}
