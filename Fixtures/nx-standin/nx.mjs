// A stand-in for Nx's task runner, for the tests of `iotrace-native check` on a whole run (npm is not
// reachable where these tests were written, so the real nx cannot be installed). It does what matters to the
// tracer the way nx does it:
//
//   node nx.mjs run-many -t TARGET... [--parallel N] [--configuration NAME] [--no-daemon]
//
// - reads the workspace's project.json files (from the directory holding nx.json, at or above the cwd) and
//   nx.json's targetDefaults, and runs each TARGET of every project that has it;
// - a target whose dependsOn holds "^TARGET" waits for that target of the project's implicitDependencies
//   (nx also infers dependencies from imports; the fixture declares them);
// - each task runs in a forked node process (nx's forked task process) whose environment carries
//   NX_TASK_TARGET_PROJECT, NX_TASK_TARGET_TARGET, NX_TASK_TARGET_CONFIGURATION (when a configuration is
//   used) and NX_TASK_HASH (nx's getNxEnvVariablesForTask); that process runs the target's `command` in a
//   shell, as nx:run-commands does;
// - up to --parallel tasks (default 2, like nx's 3 minus one core here) run at once;
// - unless --no-daemon, it first starts a daemon that leaves the session (detached, setsid) and outlives the
//   run, as nx's daemon does: it reads nx.json after a second, writes .nx/workspace-data/daemon.json, and
//   exits after NX_STANDIN_DAEMON_SECONDS (default 3).
// Prints `start PROJECT:TARGET` and `done PROJECT:TARGET STATUS` per task; exits 1 when a task failed.
import { fork, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const self = fileURLToPath(import.meta.url);
const [mode, ...rest] = process.argv.slice(2);

if (mode === '--task-process') {
  // nx's forked task process: receives the task, runs its command in a shell, exits with its status.
  process.once('message', ({ command, cwd }) => {
    const shell = spawn('/bin/sh', ['-c', command], { cwd, stdio: 'inherit' });
    shell.on('exit', (code, signal) => process.exit(code ?? 128));
  });
} else if (mode === '--daemon') {
  // A daemon closes what it inherited beyond stdio. Node's own descriptors at this point are pipes, eventfds
  // and epoll instances; a socket is a caller's (Foundation's Process passes one down to learn when every
  // holder has exited), which would otherwise make that caller wait for the daemon's whole life.
  for (const name of readdirSync('/proc/self/fd')) {
    try {
      if (Number(name) > 2 && readlinkSync(`/proc/self/fd/${name}`).startsWith('socket:')) closeSync(Number(name));
    } catch {}
  }
  const root = rest[0];
  const lifetime = Number(process.env.NX_STANDIN_DAEMON_SECONDS ?? '3') * 1000;
  setTimeout(() => {
    const nx = JSON.parse(readFileSync(join(root, 'nx.json'), 'utf8'));
    mkdirSync(join(root, '.nx/workspace-data'), { recursive: true });
    writeFileSync(join(root, '.nx/workspace-data/daemon.json'), JSON.stringify({ pid: process.pid, namedInputs: Object.keys(nx.namedInputs ?? {}) }));
  }, 1000);
  setTimeout(() => process.exit(0), lifetime);
} else if (mode === 'run-many') {
  runMany(rest);
} else {
  console.error('usage: node nx.mjs run-many -t TARGET... [--parallel N] [--configuration NAME] [--no-daemon]');
  process.exit(2);
}

function findRoot(directory) {
  for (let current = directory; ; current = dirname(current)) {
    if (existsSync(join(current, 'nx.json'))) return current;
    if (current === dirname(current)) throw new Error(`no nx.json in ${directory} or above`);
  }
}

function projects(root, relative = '') {
  const directory = join(root, relative);
  const found = [];
  if (existsSync(join(directory, 'project.json'))) {
    found.push({ root: relative, ...JSON.parse(readFileSync(join(directory, 'project.json'), 'utf8')) });
  }
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    if (entry.isDirectory() && !['node_modules', '.git', '.nx', 'dist'].includes(entry.name)) {
      found.push(...projects(root, join(relative, entry.name)));
    }
  }
  return found;
}

function runMany(args) {
  const targets = [];
  let parallel = 2, configuration, daemon = true;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '-t' || args[i] === '--targets') {
      while (i + 1 < args.length && !args[i + 1].startsWith('-')) targets.push(...args[++i].split(','));
    } else if (args[i].startsWith('--parallel')) parallel = Number(args[i].split('=')[1] ?? args[++i]);
    else if (args[i].startsWith('--configuration')) configuration = args[i].split('=')[1] ?? args[++i];
    else if (args[i] === '--no-daemon') daemon = false;
    else if (args[i] === '--skip-nx-cache') continue;
    else throw new Error(`unknown argument ${args[i]}`);
  }
  const root = findRoot(process.cwd());
  const nx = JSON.parse(readFileSync(join(root, 'nx.json'), 'utf8'));
  if (daemon) {
    spawn(process.execPath, [self, '--daemon', root], { detached: true, stdio: 'ignore' }).unref();
  }
  const all = projects(root);
  const tasks = [];
  for (const target of targets) {
    for (const project of all) {
      const config = project.targets?.[target];
      if (!config) continue;
      const defaults = nx.targetDefaults?.[target] ?? {};
      const dependsOn = config.dependsOn ?? defaults.dependsOn ?? [];
      const deps = dependsOn.includes(`^${target}`)
        ? (project.implicitDependencies ?? []).filter((name) => all.find((p) => p.name === name)?.targets?.[target])
            .map((name) => `${name}:${target}`)
        : [];
      const command = config.command ?? config.options?.command;
      tasks.push({ id: `${project.name}:${target}`, project: project.name, target, command, deps });
    }
  }
  const done = new Map();
  let running = 0, failed = false;
  const schedule = () => {
    for (const task of tasks) {
      if (running >= parallel) return;
      if (task.started || !task.deps.every((dep) => done.has(dep) || !tasks.find((t) => t.id === dep))) continue;
      task.started = true;
      running += 1;
      console.log(`start ${task.id}`);
      const env = { ...process.env, NX_TASK_TARGET_PROJECT: task.project, NX_TASK_TARGET_TARGET: task.target,
        NX_TASK_HASH: createHash('sha256').update(task.id + task.command).digest('hex').slice(0, 20) };
      if (configuration) env.NX_TASK_TARGET_CONFIGURATION = configuration;
      const child = fork(self, ['--task-process'], { cwd: root, env, stdio: ['inherit', 'inherit', 'inherit', 'ipc'] });
      child.send({ command: task.command, cwd: root });
      child.on('exit', (code) => {
        console.log(`done ${task.id} ${code}`);
        done.set(task.id, code);
        if (code !== 0) failed = true;
        running -= 1;
        if (done.size === tasks.length) process.exit(failed ? 1 : 0);
        schedule();
      });
    }
  };
  if (tasks.length === 0) process.exit(0);
  schedule();
}
