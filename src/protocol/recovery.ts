import type { CacheLogger } from '../observability/cache-logger';
import type { RedisGateway } from '../redis/redis-gateway';
import { escapeGlob } from '../repository/key-schema';
import { LEASE_SCRIPTS } from './leases';
import { UNLINK_WITH_RECEIPT } from '../redis/receipts';
import type { OutboxDeliverer } from './outbox';
import type { PendingInvalidations } from './pending-invalidations';

/**
 * The breaker's probe, run while the cache is not trusted (REDIS_CACHE.md, section 5): Redis
 * answers, the lease scripts are loaded, its dataset is validated (the prefix cleared where it
 * may predate our invalidations: a restart from a snapshot, a failover, a first start), every
 * pending invalidation of this process is delivered, and the outbox is replayed. Only when all
 * of that succeeded may the breaker close.
 */
export class Recovery {
  /** Clearings of the prefix so far (one per master on a cluster), counted as each is done. */
  datasetClears = 0;

  /**
   * @param prefix the key prefix with its trailing `:`
   * @param scanBatchSize keys per SCAN page and UNLINK when the prefix is cleared
   */
  constructor(
    private readonly gateway: RedisGateway,
    private readonly prefix: string,
    private readonly scanBatchSize: number,
    private readonly pending: PendingInvalidations,
    private readonly deliverer: OutboxDeliverer | null,
    private readonly logger: CacheLogger,
  ) {}

  /** @returns true when the cache may be trusted again */
  async run(): Promise<boolean> {
    const outcome = await this.gateway.run(
      'probe',
      undefined,
      async (redis) => {
        await redis.loadScripts([...LEASE_SCRIPTS, UNLINK_WITH_RECEIPT]);
        await redis.validateDataset(this.prefix, this.scanBatchSize, (cleared) => {
          this.datasetClears += 1;
          (cleared.removed > 0 ? this.logger.info : this.logger.debug).call(
            this.logger,
            cleared,
            'Redis dataset not validated for this prefix (restart, failover or first start): prefix cleared',
          );
        });
        if (this.pending.overflowed) {
          // Every entry, not the `!` keys (the validated dataset marker, the outbox and capture leases).
          await redis.scanAndUnlink(`${escapeGlob(this.prefix)}[^!]*`, this.scanBatchSize);
          this.pending.clearOverflow();
        }
        const keys = this.pending.snapshot();
        if (keys.length > 0) await redis.unlink(keys.map((key) => this.prefix + key));
        this.pending.delivered(keys);
        return this.pending.empty;
      },
      true,
    );
    if (outcome !== true) return false;
    return this.deliverer ? this.deliverer.drain(true) : true;
  }
}
