/** placeholder replaced below */
export {};
