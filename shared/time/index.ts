export { nextMidnightInZone, wallClockAt, wallTimeAsUtc, zonedWallTimeToUtc, zoneOffsetMs } from './zonedTime';
export type { WallClock, WallTime } from './zonedTime';
