"""Opens N concurrent OpenAI chat streams against a base URL and reports how they went: how many
completed (saw `[DONE]`), failed or were reset, time to first content chunk and to the end
(percentiles, ms), and the chunks received. One JSON line on stdout.

    python Benchmarks/stream_load.py URL KEY STREAMS [--processes P] [--ramp-seconds S]

The streams are spread over P processes (one asyncio loop each), started over S seconds.
"""
import argparse
import asyncio
import json
import multiprocessing
import time

import aiohttp

BODY = {"model": "bench-model", "stream": True, "messages": [{"role": "user", "content": "Stream a long answer."}]}


async def one_stream(session, url, key, start_at, results):
    await asyncio.sleep(max(0.0, start_at - time.monotonic()))
    began = time.monotonic()
    first = None
    chunks = 0
    try:
        async with session.post(url, json=BODY, headers={"authorization": f"Bearer {key}"}) as response:
            if response.status != 200:
                results.append({"ok": False, "error": f"status {response.status}"})
                return
            # Raw reads, no per-line parsing: the clients share a core with the mock and must
            # not be what limits the run. A marker split across two reads is missed (rarely).
            tail = b""
            async for data in response.content.iter_any():
                tokens = data.count(b'"content":"') - data.count(b'"content":""')
                if tokens > 0:
                    chunks += tokens
                    if first is None:
                        first = time.monotonic()
                tail = (tail + data)[-64:]
            if b"data: [DONE]" in tail:
                results.append({"ok": True, "ttft": (first or time.monotonic()) - began, "total": time.monotonic() - began,
                                "chunks": chunks})
            else:
                results.append({"ok": False, "error": "ended before [DONE]"})
    except (aiohttp.ClientError, asyncio.TimeoutError, ConnectionError) as error:
        results.append({"ok": False, "error": type(error).__name__})


async def run(url, key, streams, ramp):
    results = []
    connector = aiohttp.TCPConnector(limit=0, force_close=True)
    timeout = aiohttp.ClientTimeout(total=600)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        now = time.monotonic()
        await asyncio.gather(*(one_stream(session, url, key, now + ramp * i / max(streams, 1), results)
                               for i in range(streams)))
    return results


def worker(args):
    url, key, streams, ramp = args
    return asyncio.run(run(url, key, streams, ramp))


def percentile(values, q):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * (len(ordered) - 1) + 0.5))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("key")
    parser.add_argument("streams", type=int)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--ramp-seconds", type=float, default=1.0)
    options = parser.parse_args()
    url = options.url.rstrip("/") + "/v1/chat/completions"
    shares = [options.streams // options.processes + (1 if i < options.streams % options.processes else 0)
              for i in range(options.processes)]
    began = time.monotonic()
    with multiprocessing.Pool(options.processes) as pool:
        results = [r for part in pool.map(worker, [(url, options.key, n, options.ramp_seconds) for n in shares]) for r in part]
    done = [r for r in results if r["ok"]]
    errors = {}
    for r in results:
        if not r["ok"]:
            errors[r["error"]] = errors.get(r["error"], 0) + 1
    ms = lambda seconds: None if seconds is None else round(seconds * 1000, 1)  # noqa: E731
    print(json.dumps({
        "streams": options.streams, "completed": len(done), "failed": len(results) - len(done), "errors": errors,
        "ttft_p50_ms": ms(percentile([r["ttft"] for r in done], 0.5)),
        "ttft_p99_ms": ms(percentile([r["ttft"] for r in done], 0.99)),
        "total_p50_ms": ms(percentile([r["total"] for r in done], 0.5)),
        "total_p99_ms": ms(percentile([r["total"] for r in done], 0.99)),
        "chunks": sum(r["chunks"] for r in done), "wall_s": round(time.monotonic() - began, 1),
    }))


if __name__ == "__main__":
    main()
