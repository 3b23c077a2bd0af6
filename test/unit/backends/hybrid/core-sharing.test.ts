import { describe, expect, it } from 'vitest';
import {
  CPU_BOUND_SHARE,
  CPU_SAMPLES_KEPT,
  cpuBound,
  endpointSharesCores,
  recordCpuShare,
  sharedSideSlots,
} from '../../../../orchestrator/backends/hybrid/core-sharing.js';

describe('hybrid: sides sharing cores', () => {
  it('knows an emulator on this machine from its endpoint', () => {
    expect(endpointSharesCores('auto')).toBe(true);
    expect(endpointSharesCores('http://127.0.0.1:3002')).toBe(true);
    expect(endpointSharesCores('http://127.8.0.1:3002')).toBe(true);
    expect(endpointSharesCores('http://localhost:3002')).toBe(true);
    expect(endpointSharesCores('http://[::1]:3002')).toBe(true);
    expect(endpointSharesCores('http://me:secret@127.0.0.1:1')).toBe(true);
    // AWS itself, another machine, and no endpoint at all (AWS) do not share this machine's cores
    expect(endpointSharesCores('https://lambda.us-east-1.amazonaws.com')).toBe(false);
    expect(endpointSharesCores('http://10.0.0.7:3002')).toBe(false);
    expect(endpointSharesCores('http://127.example.com:3002')).toBe(false);
    expect(endpointSharesCores(undefined)).toBe(false);
    expect(endpointSharesCores('')).toBe(false);
  });

  it('measures CPU share per batch over a sliding window, skipping batches without a CPU figure', () => {
    // Prepare
    const shares: number[] = [];
    // Act
    recordCpuShare(shares, 50, 100);
    recordCpuShare(shares, undefined, 100);
    recordCpuShare(shares, 10, 0);
    recordCpuShare(shares, 300, 100); // CPU over wall (threads inside the worker): counted as 1
    for (let i = 0; i < CPU_SAMPLES_KEPT; i++) recordCpuShare(shares, 1, 100);
    // Assess: only the last CPU_SAMPLES_KEPT measured batches remain
    expect(shares).toHaveLength(CPU_SAMPLES_KEPT);
    expect(shares.every((s) => s === 0.01)).toBe(true);
    const first: number[] = [];
    recordCpuShare(first, 50, 100);
    recordCpuShare(first, 300, 100);
    expect(first).toEqual([0.5, 1]);
  });

  it('calls work CPU-bound by the lower median of the window: one odd batch flips nothing', () => {
    expect(cpuBound([])).toBeUndefined();
    expect(cpuBound([0.9])).toBe(true);
    expect(cpuBound([0.01])).toBe(false);
    // a warm-up batch that loaded code (0.2) among sleeping batches: still I/O-bound
    expect(cpuBound([0.2, 0.01])).toBe(false);
    expect(cpuBound([0.01, 0.2, 0.01, 0.01])).toBe(false);
    // a sieve on a heavily loaded machine (a sixth of a core each) is still CPU-bound; one batch stalled on a page
    // fault is not enough to call it I/O-bound
    expect(cpuBound([0.15, 0.2, 0.01, 0.18])).toBe(true);
    expect(cpuBound([CPU_BOUND_SHARE, CPU_BOUND_SHARE])).toBe(true);
    // the batches changed character: a majority of the window decides
    expect(cpuBound([0.9, 0.9, 0.9, 0.01, 0.01, 0.01, 0.01])).toBe(false);
  });

  it('gives a side sharing cores one batch to learn on, then only the cores the local pool leaves idle for CPU work', () => {
    // before anything is measured: one slot
    expect(sharedSideSlots({ slots: 32, partnerSlots: 2, cpuBound: undefined, cores: 2 })).toBe(1);
    // CPU-bound, a worker per core: nothing left; a pool of 1 on 4 cores leaves 3
    expect(sharedSideSlots({ slots: 32, partnerSlots: 2, cpuBound: true, cores: 2 })).toBe(0);
    expect(sharedSideSlots({ slots: 32, partnerSlots: 4, cpuBound: true, cores: 2 })).toBe(0);
    expect(sharedSideSlots({ slots: 32, partnerSlots: 1, cpuBound: true, cores: 4 })).toBe(3);
    expect(sharedSideSlots({ slots: 2, partnerSlots: 1, cpuBound: true, cores: 8 })).toBe(2);
    // I/O-bound: waiting uses no core, every slot
    expect(sharedSideSlots({ slots: 32, partnerSlots: 2, cpuBound: false, cores: 2 })).toBe(32);
    // the local pool left the run: every slot, measured or not
    expect(sharedSideSlots({ slots: 32, partnerSlots: 0, cpuBound: true, cores: 2 })).toBe(32);
    expect(sharedSideSlots({ slots: 32, partnerSlots: 0, cpuBound: undefined, cores: 2 })).toBe(32);
  });
});
