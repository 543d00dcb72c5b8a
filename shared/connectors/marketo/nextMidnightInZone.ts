export { nextMidnightInZone } from '../../time';
